#!/usr/bin/env bash
# Prints `export NAME=value` lines that point the e2e suite (and `npm run smoke`) at a deployed
# stage: the API URL, each consumer's API key and an access token, read from the stage's stack
# outputs with the caller's AWS credentials. In GitHub Actions every secret value is masked.
#
#   eval "$(npm run --silent stage:env -- --stage dev)"
set -euo pipefail
stage=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage="${2:-}"; shift 2 ;;
    *) echo "Unknown option '$1': pass --stage <dev|staging|prod>" >&2; exit 2 ;;
  esac
done
case "$stage" in dev|staging|prod) ;; *) echo "No or unknown stage '$stage': pass --stage <dev|staging|prod>" >&2; exit 2 ;; esac

app=${APP_NAME:-Orders}
out() {
  aws cloudformation describe-stacks --stack-name "$app-$stage-Api" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
mask() { [ -n "${GITHUB_ACTIONS:-}" ] && echo "::add-mask::$1" >&2; return 0; }
pool=$(out UserPoolId)
token_endpoint=$(out TokenEndpoint)

# consumer prefix: storefront is the default API_KEY / API_TOKEN; the others are prefixed.
emit_consumer() { # output name, env prefix, scope (optional)
  local name=$1 prefix=$2 key_id client_id secret key token
  key_id=$(out "${name}ApiKeyId")
  client_id=$(out "${name}ClientId")
  [ "$key_id" = "None" ] || [ -z "$key_id" ] && return 0
  key=$(aws apigateway get-api-key --api-key "$key_id" --include-value --query value --output text)
  secret=$(aws cognito-idp describe-user-pool-client --user-pool-id "$pool" --client-id "$client_id" \
    --query UserPoolClient.ClientSecret --output text)
  token=$(curl -sf -u "$client_id:$secret" -d grant_type=client_credentials "$token_endpoint" |
    node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>console.log(JSON.parse(s).access_token))')
  mask "$key"; mask "$token"
  if [ "$prefix" = "" ]; then
    echo "export API_KEY='$key' API_TOKEN='$token'"
    local read_token
    read_token=$(curl -sf -u "$client_id:$secret" -d grant_type=client_credentials -d scope=orders/orders.read "$token_endpoint" |
      node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>console.log(JSON.parse(s).access_token))')
    mask "$read_token"
    echo "export API_READ_TOKEN='$read_token'"
  else
    echo "export ${prefix}_API_KEY='$key' ${prefix}_TOKEN='$token'"
  fi
}
echo "export API_URL='$(out ApiUrl)'"
emit_consumer Storefront ""
emit_consumer Marketplace MARKETPLACE
emit_consumer Reporting REPORTING
