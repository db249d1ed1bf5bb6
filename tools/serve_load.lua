-- wrk script for tools/serve_load.sh: POSTs one JSON body to the URL's route.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("UFB_LOAD_BODY") or '{"inputs": "paris is the capital of france ."}'
