#!/usr/bin/env bash
# Applies the repository settings the pipelines rely on, through the GitHub API with the gh CLI
# (an admin's token): the branch ruleset of main (ops/github/ruleset-main.json: reviews, code
# owners, the PR checks) and the OIDC subject template that puts the environment and the branch
# in the token's `sub` claim, which the deploy roles' trust policies match.
#
#   ops/github/apply-ruleset.sh <owner>/<repo>
set -euo pipefail
repo=${1:?"pass the repository: ops/github/apply-ruleset.sh <owner>/<repo>"}
here=$(dirname "$0")

echo "== OIDC subject template: repo, context (environment), ref"
gh api --method PUT "repos/$repo/actions/oidc/customization/sub" \
  --input - <<<'{"use_default":false,"include_claim_keys":["repo","context","ref"]}'

echo "== ruleset 'main'"
existing=$(gh api "repos/$repo/rulesets" --jq '.[] | select(.name == "main") | .id')
if [ -n "$existing" ]; then
  gh api --method PUT "repos/$repo/rulesets/$existing" --input "$here/ruleset-main.json" >/dev/null
  echo "   updated ruleset $existing"
else
  gh api --method POST "repos/$repo/rulesets" --input "$here/ruleset-main.json" >/dev/null
  echo "   created"
fi
echo "== done: create the environments dev, staging, prod (prod with required reviewers) and autofix, and set AWS_DEPLOY_ROLE_ARN in each (docs/pipelines.md)"
