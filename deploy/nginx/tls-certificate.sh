#!/bin/sh
# Run by the nginx image before nginx starts (/docker-entrypoint.d/), and by `make e2e`: a
# self-signed certificate for local use, made once, unless TLS_DIR already holds one (a real
# certificate mounted there is left alone; README "The full stack").
set -eu
dir="${TLS_DIR:-/etc/nginx/certs}"
name="${TLS_HOSTNAME:-localhost}"
if [ -s "$dir/tls.crt" ] && [ -s "$dir/tls.key" ]; then
    exit 0
fi
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$name" \
    -addext "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
chmod 600 "$dir/tls.key"
echo "syncapi: made a self-signed certificate for $name in $dir (for local use only)"
