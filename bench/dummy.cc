int ufb_dummy;
