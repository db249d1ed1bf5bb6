"""Where tests/python finds the ufb binary, the test data and the real checkpoints."""

import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
UFB = os.environ.get("UFB_BINARY", str(ROOT / "build" / "ufb"))
CLI_TOKENIZER = str(DATA / "cli" / "tokenizer.json")


def model_cache() -> pathlib.Path:
    """scripts/fetch-models.sh's cache: $UFB_MODEL_CACHE, else $XDG_CACHE_HOME/ufb/models, else
    ~/.cache/ufb/models (as tests/real_models.h)."""
    if os.environ.get("UFB_MODEL_CACHE"):
        return pathlib.Path(os.environ["UFB_MODEL_CACHE"])
    if os.environ.get("XDG_CACHE_HOME"):
        return pathlib.Path(os.environ["XDG_CACHE_HOME"]) / "ufb" / "models"
    return pathlib.Path.home() / ".cache" / "ufb" / "models"


def run_ufb(*args, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([UFB, *map(str, args)], capture_output=True, text=True, input=stdin)


def ufb_json_lines(*args) -> list:
    """The JSON lines `ufb ARGS --json` prints (it must succeed)."""
    result = run_ufb(*args, "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def ufb_tokenize(texts, *args) -> list:
    """`ufb tokenize ARGS` of texts, one a line on its standard input: {"ids", "tokens"} each."""
    result = run_ufb("tokenize", *args, "--file", "-", stdin="".join(text + "\n" for text in texts))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def ufb_error(*args) -> str:
    """The one-line message `ufb ARGS` fails with, without its "ufb: error: " prefix."""
    result = run_ufb(*args)
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "ufb failed without a message"
    prefix = "ufb: error: "
    assert lines[-1].startswith(prefix), result.stderr
    return lines[-1][len(prefix):]
