#!/usr/bin/env bash
# Postgres reachable at DATABASE_URL: use it when it answers, else start Debian's cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
pg_answers() { node -e "const c=new (require('pg').Client)({connectionString:process.env.DATABASE_URL});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))"; }
pg_answers && exit 0
command -v pg_ctlcluster >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || apt_install postgresql
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_lsclusters -h | grep -q "^$ver main" || as_root pg_createcluster "$ver" main >/dev/null
pg_lsclusters -h | grep "^$ver main" | grep -q online || { log "starting PostgreSQL $ver"; as_root pg_ctlcluster "$ver" main start; }
wait_for 30 pg_isready -q -h 127.0.0.1 || die "PostgreSQL did not start"
# Role and database from DATABASE_URL (the local superuser creates them once).
read -r user pass db < <(node -e "const u=new URL(process.env.DATABASE_URL);console.log(decodeURIComponent(u.username),decodeURIComponent(u.password),u.pathname.slice(1))")
psql_su() { as_root su postgres -c "psql -qtAX -v ON_ERROR_STOP=1 $*"; }
[ "$(psql_su "-c \"SELECT 1 FROM pg_roles WHERE rolname='$user'\"")" = 1 ] || psql_su "-c \"CREATE ROLE \\\"$user\\\" LOGIN CREATEDB PASSWORD '$pass'\""
[ "$(psql_su "-c \"SELECT 1 FROM pg_database WHERE datname='$db'\"")" = 1 ] || psql_su "-c \"CREATE DATABASE \\\"$db\\\" OWNER \\\"$user\\\"\""
pg_answers || die "cannot connect to $DATABASE_URL"
