#!/usr/bin/env python3
"""Write tests/data/python/tokenize_offsets.json: what `tokenizers`' Python Encoding gives (ids and
offsets, in characters) for texts that normalization changes, with the built-in model's tokenizer
and the test models' one. tests/python/test_tokenize_offsets.py compares ufb.Model.tokenize with
it, without importing tokenizers.

Usage: python tools/make_python_offset_goldens.py (needs pip install tokenizers)
"""

import json
import os

from tokenizers import Tokenizer

TEXTS = [
    "Paris is the capital.",
    "Café Crème brûlée, naïve résumé",
    "Ångström ÉCOLE Über NAÏVE",
    "ﬁne ｆｕｌｌｗｉｄｔｈ ①② x² ™",
    "中文English混合 我爱北京",
    "I ❤️ NY 😀👍🏽 family 👨\u200d👩\u200d👧",
    "bell\x07x zero\u200bwidth soft\u00adhyphen e\u0301te\u0300",
    "the cat saw the Cat and THE CAT",
    "  lead   and\t\ttrail  \n end  ",
    "the [MASK] is [MASK]",
    ["Café au lait", "naïve 北京 ﬁne"],
]

TOKENIZERS = {
    "builtin": "models/ufb-mini-fff/tokenizer.json",
    "test_models": "tests/data/cli/tokenizer.json",
}


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    goldens = {"texts": TEXTS}
    for name, path in TOKENIZERS.items():
        tokenizer = Tokenizer.from_file(os.path.join(repo, path))
        encodings = [tokenizer.encode(*text) if isinstance(text, list) else tokenizer.encode(text)
                     for text in TEXTS]
        goldens[name] = [{"ids": e.ids, "offsets": e.offsets} for e in encodings]
    out = os.path.join(repo, "tests", "data", "python", "tokenize_offsets.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(goldens, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(TEXTS)} texts, {len(TOKENIZERS)} tokenizers written to {out}")


if __name__ == "__main__":
    main()
