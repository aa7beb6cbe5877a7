#!/usr/bin/env bash
# Installs the security and quality scanners `npm run check` runs, pinned, into .tools/ (a Python
# virtualenv for the PyPI ones, .tools/bin for the Go ones). Idempotent: a tool already at its
# pinned version is kept. Needs Python 3.11+ and Go 1.22+; only the package registries (PyPI and
# the Go module proxy) are contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned versions: change them here (and in docs/pipelines.md).
CFN_LINT=1.58.0
CHECKOV=3.3.30
SEMGREP=1.185.0
GITLEAKS=v8.30.1
ACTIONLINT=v1.7.12

tools="$PWD/.tools"
venv="$tools/venv"
bin="$tools/bin"
mkdir -p "$bin"
started=$SECONDS
step() { printf '== %s (+%ss)\n' "$1" "$((SECONDS - started))"; }

step "Python scanners into .tools/venv (cfn-lint $CFN_LINT, checkov $CHECKOV, semgrep $SEMGREP)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
want="cfn-lint==$CFN_LINT checkov==$CHECKOV semgrep==$SEMGREP"
stamp="$venv/.pinned"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check $want
  echo "$want" >"$stamp"
else
  echo "   already installed"
fi

go_tool() { # name version module
  local name=$1 version=$2 module=$3
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.$name.version" 2>/dev/null)" = "$version" ]; then
    echo "   $name $version already installed"
    return
  fi
  GOBIN="$bin" GOFLAGS=-mod=mod go install "$module@$version"
  echo "$version" >"$bin/.$name.version"
}
step "Go scanners into .tools/bin (gitleaks $GITLEAKS, actionlint $ACTIONLINT)"
# gitleaks is fetched under its original module path: the proxy refuses github.com/gitleaks/gitleaks.
go_tool gitleaks "$GITLEAKS" github.com/zricethezav/gitleaks/v8
go_tool actionlint "$ACTIONLINT" github.com/rhysd/actionlint/cmd/actionlint

step "done: scanners in .tools/ ($((SECONDS - started)) s)"
