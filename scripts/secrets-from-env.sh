#!/usr/bin/env bash
# Platforms that hand secrets over as environment variables (ECS task secrets, Docker Compose's .env) cannot
# mount a file. When SECRETS_TOML holds the text of a secrets.toml (for example the [auth] section that turns
# on sign-in), write it where Streamlit and nlq read it, readable only by this user. Without SECRETS_TOML
# nothing is touched. Usage: scripts/secrets-from-env.sh [PATH]   (default: .streamlit/secrets.toml)
set -euo pipefail
target="${1:-.streamlit/secrets.toml}"
if [ -n "${SECRETS_TOML:-}" ]; then
  (umask 077 && printf '%s\n' "$SECRETS_TOML" > "$target")
  echo "Wrote the secrets from SECRETS_TOML to $target"
fi
