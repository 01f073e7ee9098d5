# shellcheck shell=sh
# Runs as the container's command: records this start in the data volume, which outlives every
# container of the app, then serves the site.
set -eu
mkdir -p /data
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $APP_VERSION" >>/data/starts.log
exec httpd -f -p "$LISTEN_PORT" -h /www
