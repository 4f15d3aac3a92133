"""Which names hold a credential (spec README §11.19, widened by §13.13): the one rule that
`masking` applies to the keys of a document and `secret_text` to the `name=value` pairs
inside a string.

A name is judged lower-cased with `_`, `-` and `.` removed (`saslPassword`, `sasl.password`,
`SASL_PASSWORD` are one name), without a trailing word that only says how the value is
written (`privateKeyPem` is a `privatekey`), and, when it is the bare word `key`, as the
name of the object holding it (`{"tls": {"key": …}}` is a `tlskey`). It is a secret when
it is one of `SECRET_NAMES` or ends in one of `SECRET_SUFFIXES`, or is the plural of such a
name (`secrets`, `apiKeys`); a name that merely starts with or contains one is not (`keyId`,
`publicKey`, `tokenUrl`, `secretName`). Two rules read the name's words (split at `_`, `-`,
`.` and where lower case turns upper): its last word `pass` is a login's (`smtp_pass`,
`dbPass`, `keystorePass`) unless the word before makes it another pass (`byPass`, `lowPass`,
`first_pass`; `bypass` and `compass` are one word); and a token or tokens counted
(`maxTokens`, `prompt_tokens`: a language model's) are no credential.
"""

import functools
import re

MASK = "********"
# too short to be judged as an ending (`bypass`, `useJwt`)
SECRET_NAMES = frozenset({"pass", "sig", "jwt"})
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
    "sshkey",
    "storepass",  # keytool's -storepass, -keypass, and their keystorepass, truststorepass
    "keypass",
    "amzsignature",  # X-Amz-Signature of a presigned URL, X-Goog-Signature
    "googsignature",
)
# A last word `pass` after one of these is no login's: a bypass, a signal filter, a first pass.
OTHER_PASSES = frozenset(
    {"by", "low", "high", "band", "all", "notch", "first", "second", "single", "multi", "two"}
)
# Tokens after one of these are counted (a language model's), not a credential.
COUNTED = frozenset(
    {"max", "min", "num", "total", "count", "input", "output", "prompt", "completion"}
)
WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Words that say how a value is written, not what it is: `privateKeyPem`, `clientKeyData`.
FORMAT_WORDS = ("pem", "der", "base64", "b64", "hex", "data")
SEPARATORS = re.compile(r"[_.\-]")


def normalized(name):
    """`saslPassword`, `sasl.password`, `SASL_PASSWORD` and `sasl-password` are one name."""
    return SEPARATORS.sub("", str(name).lower())


@functools.lru_cache(maxsize=4096)  # a few hundred names come back on every answer
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
    words = [each.lower() for each in WORDS.findall(str(name))]
    if _named(word) or (word.endswith("s") and _named(word[:-1])):
        return not (len(words) > 1 and words[-1] in ("token", "tokens") and words[-2] in COUNTED)
    return len(words) > 1 and words[-1] == "pass" and words[-2] not in OTHER_PASSES


def _named(word):
    return word in SECRET_NAMES or word.endswith(SECRET_SUFFIXES)
