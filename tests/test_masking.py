"""The masking rule (spec README §11.19, §13.13): which names are credentials
(`secret_names.is_secret`), which parts of a string are (`secret_text`), and how a document
sent back with its masks keeps the stored values (`masking.keep_masked`). The routes that
mask are tested with their routes (services, devices, connectors, the change log)."""

import time

import pytest

from syncapi.core import masking
from syncapi.core.secret_names import MASK, is_secret

# (name, the key holding it or "") of credentials, spelled as configurations spell them
SECRET = [
    ("password", ""),
    ("passwd", ""),
    ("pwd", ""),
    ("db_pwd", ""),
    ("pass", ""),
    ("PASS", ""),
    ("secret", ""),
    ("client_secret", ""),
    ("clientSecret", ""),
    ("token", ""),
    ("refresh_token", ""),
    ("accessToken", ""),
    ("api_key", ""),
    ("APIKEY", ""),
    ("API-Key", ""),
    ("x-api-key", ""),
    ("access_key", ""),
    ("accessKey", ""),
    ("secret_key", ""),
    ("private_key", ""),
    ("my_private_key", ""),
    ("privateKeyPem", ""),
    ("private_key_pem", ""),
    ("client-key-data", ""),  # a kubeconfig's
    ("passphrase", ""),
    ("keyPassphrase", ""),
    ("saslPassword", ""),
    ("sasl.password", ""),
    ("ssl.key.password", ""),
    ("ssl.keystore.password", ""),
    ("sasl.jaas.config", ""),
    ("aws_secret_access_key", ""),
    ("secretAccessKey", ""),
    ("SharedAccessKey", ""),
    ("AccountKey", ""),
    ("ssl.keystore.key", ""),
    ("basic.auth.user.info", ""),
    ("schema.registry.basic.auth.user.info", ""),
    ("credential", ""),
    ("credentials", ""),
    ("awsCredentials", ""),
    ("authorization", ""),
    ("Proxy-Authorization", ""),
    ("bearer", ""),
    ("cookie", ""),
    ("Set-Cookie", ""),
    ("cookies", ""),
    ("tls.key", ""),
    ("ssl_key", ""),
    ("client_key", ""),
    ("clientKey", ""),
    ("hmacKey", ""),
    ("hmac_key_hex", ""),
    ("encryption_key", ""),
    ("signingKey", ""),
    ("masterKey", ""),
    ("sig", ""),
    # a last word `pass` (keytool's `storepass` and `keypass` run together)
    ("smtp_pass", ""),
    ("SMTP_PASS", ""),
    ("dbPass", ""),
    ("keystorePass", ""),
    ("storepass", ""),
    ("keypass", ""),
    ("truststorepass", ""),
    # plurals
    ("secrets", ""),
    ("tokens", ""),
    ("passwords", ""),
    ("apiKeys", ""),
    ("clientSecrets", ""),
    ("ssh_key", ""),
    ("sshPrivateKey", ""),
    ("jwt", ""),
    ("X-Amz-Signature", ""),
    ("X-Goog-Signature", ""),
    ("key", "tls"),  # {"tls": {"key": …}}
    ("key", "ssl.keystore"),
    ("key", "client"),
    ("key", "api"),
]
# names that hold no credential, though they may look like one
NOT_SECRET = [
    ("keyId", ""),
    ("key_id", ""),
    ("publicKey", ""),
    ("public_key_pem", ""),
    ("keyName", ""),
    ("key", ""),
    ("key", "properties"),
    ("key", "tags"),  # [{"key": "line", "value": 1}]
    ("keys", ""),
    ("monkey", ""),
    ("aws_access_key_id", ""),
    ("accessKeyId", ""),
    ("apiKeyId", ""),
    ("SharedAccessKeyName", ""),
    ("tokenUrl", ""),
    ("token_type", ""),
    ("tokens_count", ""),
    ("tokenizer", ""),
    ("maxTokens", ""),  # counts of a language model's tokens
    ("max_tokens", ""),
    ("prompt_tokens", ""),
    ("tokenMetadata", ""),
    ("passage", ""),
    ("passwordless", ""),
    ("passwordPolicy", ""),
    ("bypass", ""),  # a word, not a login's pass…
    ("byPass", ""),  # …however it is spelled
    ("proxy_bypass", ""),
    ("compass", ""),
    ("surpass", ""),
    ("lowPass", ""),  # a signal filter's
    ("high_pass", ""),
    ("first_pass", ""),
    ("passes", ""),
    ("jwtIssuer", ""),
    ("use_jwt", ""),
    ("secretName", ""),
    ("cookieName", ""),
    ("authorizationUrl", ""),
    ("bearerFormat", ""),
    ("credentialsFile", ""),
    ("ssl.keystore.location", ""),
    ("ssl.keystore.type", ""),
    ("signature", ""),
    ("username", ""),
    ("host", ""),
    ("metadata", ""),
    ("data", ""),
]


@pytest.mark.parametrize(("name", "parent"), SECRET)
def test_a_credential_name_is_a_secret(name, parent):
    assert is_secret(name, parent)


@pytest.mark.parametrize(("name", "parent"), NOT_SECRET)
def test_an_identifier_or_a_lookalike_is_not(name, parent):
    assert not is_secret(name, parent)


# (stored string, as answered): secrets inside strings
IN_STRINGS = [
    ("mqtt://user:pw@broker:1883", "mqtt://user:********@broker:1883"),
    (
        "Server=tcp:db,1433;Database=d;User Id=u;Password=p@ss w0rd;Encrypt=true",
        "Server=tcp:db,1433;Database=d;User Id=u;Password=********;Encrypt=true",
    ),
    ("Data Source=db;pwd=pw", "Data Source=db;pwd=********"),
    ("DRIVER={ODBC};UID=u;PWD={p;w}", "DRIVER={ODBC};UID=u;PWD={********}"),
    ("User=u; Password = 'p;w' ;", "User=u; Password = '********' ;"),
    (
        "HostName=hub.azure-devices.net;SharedAccessKeyName=owner;SharedAccessKey=a/b+c=",
        "HostName=hub.azure-devices.net;SharedAccessKeyName=owner;SharedAccessKey=********",
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=k==;EndpointSuffix=x",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=********;EndpointSuffix=x",
    ),
    (
        "https://acct.blob.core.windows.net/c?sv=2022-11-02&sr=c&sig=a%2Fb%3D&se=2030",
        "https://acct.blob.core.windows.net/c?sv=2022-11-02&sr=c&sig=********&se=2030",
    ),
    (
        "jdbc:postgresql://db/x?user=u&password=pw#top",
        "jdbc:postgresql://db/x?user=u&password=********#top",
    ),
    (
        "host=db port=5432 dbname=x user=u password=pw connect_timeout=10",
        "host=db port=5432 dbname=x user=u password=******** connect_timeout=10",
    ),
    (
        "https://api.example/v1?access_token=t&page=2",
        "https://api.example/v1?access_token=********&page=2",
    ),
    (
        'PlainLoginModule required username="u" password="pw";',
        'PlainLoginModule required username="u" password="********";',
    ),
    ("mqtt://u:pw@h/t?token=t", "mqtt://u:********@h/t?token=********"),
    # in a `;`-separated string an unquoted value runs to the next `;`, whatever it holds
    ("Server=db;Password=P@ss#word1;", "Server=db;Password=********;"),
    ("Password=ab&cd;", "Password=********;"),
    ("Server=db;Password=a<b>c'd e;Encrypt=true", "Server=db;Password=********;Encrypt=true"),
    ("Server=db;Password=p&token=t", "Server=db;Password=********"),
    # in a query string a value runs to the next `&` (or the fragment's `#`)
    ("https://h/p?sig=a;b&se=1", "https://h/p?sig=********&se=1"),
    ("https://h/p?x=1&password=p;w#top", "https://h/p?x=1&password=********#top"),
    # else to a blank before the next pair, or an `&` before one (a form's body)
    ("host=db password=P@ss#1&x dbname=d", "host=db password=******** dbname=d"),
    ("password=pw&user=u", "password=********&user=u"),
    ("password=unclosed 'quote", "password=********'quote"),
    # a header's credential, its scheme shown
    ("Authorization: Bearer abc.def", "Authorization: Bearer ********"),
    (
        "curl -H 'Authorization: Basic dXNlcjpwdw==' https://h",
        "curl -H 'Authorization: Basic ********' https://h",
    ),
    (
        "Host: h\r\nProxy-Authorization: Bearer t\r\nAccept: */*",
        "Host: h\r\nProxy-Authorization: Bearer ********\r\nAccept: */*",
    ),
    ("X-API-Key: k1\nCookie: a=b; c=d", "X-API-Key: ********\nCookie: ********"),
    ('{"password": "pw", "user": "u"}', '{"password": "********", "user": "u"}'),
    ("Authorization: t0k3n", "Authorization: ********"),
    ('{"Authorization": "Bearer abc"}', '{"Authorization": "Bearer ********"}'),
    ("https://token:t@h/p password: pw", "https://token:********@h/p password: ********"),
    ('pass="unclosed', 'pass="********'),
    # left alone: no secret, or no value
    ("keyId=k1;keyName=main;publicKey=pk", "keyId=k1;keyName=main;publicKey=pk"),
    (
        "Endpoint=sb://ns.servicebus.windows.net/;EntityPath=q",
        "Endpoint=sb://ns.servicebus.windows.net/;EntityPath=q",
    ),
    ("password=;user=u", "password=;user=u"),
    ("a == b", "a == b"),
    ("mqtt://user@broker:1883", "mqtt://user@broker:1883"),
    ("http://host/path?mail=a:b@c", "http://host/path?mail=a:b@c"),
    ("plain text", "plain text"),
    ("Note: the token expires; Host: h", "Note: the token expires; Host: h"),
    ("https://h/p", "https://h/p"),
]


@pytest.mark.parametrize(("stored", "shown"), IN_STRINGS)
def test_a_secret_inside_a_string_is_masked_in_place_and_kept_when_sent_back(stored, shown):
    assert masking.mask(stored) == shown
    assert masking.keep_masked(shown, stored) == stored


@pytest.mark.parametrize(
    ("stored", "sent", "saved"),
    [
        # another pair added before: a pair's secret follows its name, not its place
        (
            "Password=p;SharedAccessKey=k",
            "Token=t;Password=********;SharedAccessKey=********",
            "Token=t;Password=p;SharedAccessKey=k",
        ),
        (
            "Password=p;SharedAccessKey=k",
            "SharedAccessKey=********;Password=********",
            "SharedAccessKey=k;Password=p",
        ),
        ("Server=a;Password=p", "Server=b;Password=********", "Server=b;Password=p"),
        # nothing stored behind a mask: never saved, the value left empty
        ("Server=a", "Server=a;Password=********", "Server=a;Password="),
        ("Password=p", "pwd=********", "pwd="),
        ("Password=p", 'Password="********"', 'Password="p"'),
        # the second password of a name is the stored string's second of that name
        (
            "password=a&password=b",
            "password=********&x=1&password=********",
            "password=a&x=1&password=b",
        ),
        ("mqtt://u:pw@h?token=t", "mqtt://u2:********@h2?token=new", "mqtt://u2:pw@h2?token=new"),
        # a stored value in braces or quotes goes back with them, wherever the mask was sent
        ("Password={a;b}", "Password=********", "Password={a;b}"),
        ("Server=a;Password={a;b}", "Server=b;Password=********;", "Server=b;Password={a;b};"),
        ("Password='p;w'", "Password={********}", "Password='p;w'"),
        ("Password={p}", "Password={********}", "Password={p}"),
        # a bare one holding the quote sent around the mask goes back bare
        ('Server=s;Password=a"b;', 'Server=s;Password="********";', 'Server=s;Password=a"b;'),
    ],
)
def test_an_edit_around_a_masked_secret_keeps_it(stored, sent, saved):
    assert masking.keep_masked(sent, stored) == saved


def test_a_braced_secret_sent_back_bare_is_answered_masked_whole():
    """What a client that drops the braces around the mask is answered after its PUT."""
    saved = masking.keep_masked("Server=b;Password=********", "Server=a;Password={a;b}")
    assert masking.mask(saved) == "Server=b;Password={********}"


def test_a_document_keeps_every_kind_of_secret_when_sent_back_as_answered():
    stored = {
        "tls": {"cert": "-----BEGIN CERTIFICATE-----", "key": "-----BEGIN PRIVATE KEY-----"},
        "aws": {"aws_access_key_id": "AKIA1", "aws_secret_access_key": "s"},
        "brokers": [{"url": "mqtt://u:pw@h", "keyId": "k1"}, "Password=p;Server=s"],
        "keyName": "main",
        "key": "line-1",
    }
    shown = masking.mask(stored, "properties")

    assert shown == {
        "tls": {"cert": "-----BEGIN CERTIFICATE-----", "key": MASK},
        "aws": {"aws_access_key_id": "AKIA1", "aws_secret_access_key": MASK},
        "brokers": [{"url": "mqtt://u:********@h", "keyId": "k1"}, "Password=********;Server=s"],
        "keyName": "main",
        "key": "line-1",
    }
    assert masking.keep_masked(shown, stored, "properties") == stored


def test_what_holds_the_mask_is_left_out_and_named_by_a_pointer():
    snapshot = {
        "name": "CN4",
        "properties": {
            "password": MASK,
            "url": "mqtt://u:********@h",
            "a/b~c": MASK,
            "list": ["x", MASK, {"token": MASK, "port": 1}],
            "port": 1,
        },
    }
    kept, pointers = masking.without_masks(snapshot)
    assert kept == {"name": "CN4", "properties": {"list": ["x", {"port": 1}], "port": 1}}
    assert pointers == [
        "/properties/password",
        "/properties/url",
        "/properties/a~1b~0c",
        "/properties/list/1",
        "/properties/list/2/token",
    ]


def test_masking_inside_strings_is_linear_in_the_text():
    """Past the 10 000-character cap on purpose: a quadratic scan would take minutes here, a
    linear one takes under half a second. The bound only tells a hang from a busy machine:
    it is no speed target (those are `make bench`'s)."""
    texts = [
        "password=" * 40_000,
        "a=" * 150_000,
        'pwd="' * 60_000,
        "pwd={" * 60_000,
        "password= " * 40_000,
        ("x" * 1000 + " ") * 300 + "pwd=1",
        "password:" * 40_000,
        "Authorization: Bearer " * 20_000,
        '"token": "' * 40_000,
    ]
    started = time.perf_counter()
    masked = [masking.mask(text) for text in texts]
    assert time.perf_counter() - started < 30
    assert masked[0] == "password=" + MASK
    assert masked[1] == texts[1]
    assert masked[5].endswith("pwd=" + MASK)
