"""Which names hold a credential (spec README §11.19, widened by §13.13): the one rule that
`masking` applies to the keys of a document and `secret_text` to the `name=value` pairs
inside a string.

A name is judged lower-cased with `_`, `-` and `.` removed (`saslPassword`, `sasl.password`,
`SASL_PASSWORD` are one name), without a trailing word that only says how the value is
written (`privateKeyPem` is a `privatekey`), and, when it is the bare word `key`, as the
name of the object holding it (`{"tls": {"key": …}}` is a `tlskey`). It is a secret when
it is one of `SECRET_NAMES` or ends in one of `SECRET_SUFFIXES`; a name that merely starts
with or contains one is not (`keyId`, `publicKey`, `tokenUrl`, `secretName`).
"""

import re

MASK = "********"
SECRET_NAMES = frozenset({"pass", "sig"})  # too short to be judged as an ending (`bypass`)
SECRET_SUFFIXES = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "authorization",
    "bearer",
    "cookie",
    "cookies",
    "jaasconfig",  # sasl.jaas.config: a login module with its password
    "authuserinfo",  # basic.auth.user.info: user:password
    # keys that are secret material (not `key`, `keyId`, `publicKey`)
    "apikey",
    "accesskey",  # secretAccessKey, aws_secret_access_key, SharedAccessKey
    "secretkey",
    "privatekey",
    "tlskey",
    "sslkey",
    "keystorekey",  # ssl.keystore.key
    "clientkey",
    "hmackey",
    "encryptionkey",
    "signingkey",
    "accountkey",  # Azure storage's AccountKey
    "masterkey",
)
# Words that say how a value is written, not what it is: `privateKeyPem`, `clientKeyData`.
FORMAT_WORDS = ("pem", "der", "base64", "b64", "hex", "data")
SEPARATORS = re.compile(r"[_.\-]")


def normalized(name):
    """`saslPassword`, `sasl.password`, `SASL_PASSWORD` and `sasl-password` are one name."""
    return SEPARATORS.sub("", str(name).lower())


def is_secret(name, parent=""):
    """Whether a value named `name` (a key, or the name of a `name=value` pair) is a
    credential; `parent` is the key of the object holding it (a list's items are held by the
    list's key), which qualifies a bare `key`."""
    word = normalized(name)
    for ending in FORMAT_WORDS:
        if word.endswith(ending) and len(word) > len(ending):
            word = word[: -len(ending)]
            break
    if word == "key" and parent:
        word = normalized(parent) + word
    return word in SECRET_NAMES or word.endswith(SECRET_SUFFIXES)
