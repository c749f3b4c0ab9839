#!/bin/sh
# Placeholder for Prisma's native schema-engine, which cannot be downloaded here
# (binaries.prisma.sh is unreachable). `prisma generate|validate|format` never run it;
# migrations are handled by prisma/migrate-lite.mjs instead.
echo "schema-engine is not available offline; use npm run db:migrate (prisma/migrate-lite.mjs)" >&2
exit 1
