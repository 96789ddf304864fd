dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://shop.example"
wrk.headers["Access-Control-Request-Method"] = "POST"
wrk.headers["Access-Control-Request-Headers"] = "content-type, x-api-key"
