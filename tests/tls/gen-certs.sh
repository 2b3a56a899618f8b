#!/bin/sh
# gen-certs.sh DIR - test-only TLS material for `muster serve --tls-cert`
# (tests/integration/test_tls.c and the README "Security" example), made
# fresh each time with openssl, EC P-256, valid 30 days. Never use it for
# a real cluster.
#   ca.pem                 the CA that signs the server and client below
#   server.pem server-key.pem        for 127.0.0.1 / localhost (serverAuth)
#   client.pem client-key.pem        signed by ca.pem (clientAuth)
#   other-ca.pem                      another CA
#   other-client.pem other-client-key.pem  signed by other-ca.pem
set -eu
dir=${1:?usage: gen-certs.sh DIR}
command -v openssl >/dev/null || { echo "gen-certs.sh: openssl is not installed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # NAME CN
    key "$1-key.pem"
    openssl req -x509 -new -key "$1-key.pem" -out "$1.pem" -days 30 \
        -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() { # NAME CN CA EXTFILE-LINES
    key "$1-key.pem"
    openssl req -new -key "$1-key.pem" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf '%s\n' "$4" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3-key.pem" \
        -CAcreateserial -out "$1.pem" -days 30 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

ca ca "muster test CA"
ca other-ca "another test CA"
leaf server "muster" ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"
leaf client "kube-scheduler" ca "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
leaf other-client "kube-scheduler" other-ca "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
rm -f ./*.srl
