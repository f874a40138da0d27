"""HTTP load from wrk (Debian's `wrk`, a C load generator using a few percent of one core), so that the
server's figures are not the Python client's. Each request carries the next bearer token of a list (a Lua
script reads them from a file), so a run spreads over many members as real traffic does."""
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = """
local tokens, i = {}, 0
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
local method, path, body = "%(method)s", "%(path)s", %(body)s
function init(args) i = math.random(#tokens) end
function request()
  i = i %% #tokens + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json"}
  return wrk.format(method, path, headers, body)
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run(port: int, path: str, tokens: list[str], *, method: str = "GET", body: str | None = None,
        seconds: int = 10, connections: int = 32, threads: int = 2) -> dict:
    """wrk against 127.0.0.1:port: requests/s, latency p50/p99 in ms, and how many answers were not 2xx/3xx."""
    with tempfile.TemporaryDirectory() as folder:
        token_file = Path(folder) / "tokens"
        token_file.write_text("\n".join(tokens) + "\n")
        script = Path(folder) / "script.lua"
        lua_body = "nil" if body is None else "[[" + body + "]]"
        script.write_text(SCRIPT % {"tokens": token_file, "method": method, "path": path, "body": lua_body})
        done = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                               "-s", str(script), f"http://127.0.0.1:{port}{path}"],
                              capture_output=True, text=True, timeout=seconds + 120)
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    latency = {p: re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M) for p in ("50", "99")}
    if not rps or not total:
        raise RuntimeError(f"wrk gave no figures: {out[-800:]}{done.stderr[-800:]}")
    return {"rps": float(rps.group(1)), "requests": int(total.group(1)),
            "not_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "p50_ms": round(_ms(*latency["50"].groups()), 2) if latency["50"] else None,
            "p99_ms": round(_ms(*latency["99"].groups()), 2) if latency["99"] else None}
