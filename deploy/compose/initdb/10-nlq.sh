#!/usr/bin/env bash
# Runs once, when the PostgreSQL volume is new: the demo database nlq questions, and nlq's own store
# (answer log, feedback, examples) owned by a role of its own that can write nowhere else.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
     --set app_password="$STORE_PASSWORD" <<'SQL'
CREATE DATABASE demo;
CREATE ROLE nlq_app LOGIN PASSWORD :'app_password';
CREATE DATABASE nlq_app OWNER nlq_app;
SQL
