"""The DCImanager 6 API guide's own 503 retry example ("How to process code
503"), run by scenarios/library/library_test.go against panelsim.

Adapted only where it must be: the base URL, the token (the guide hard-codes
a session id; here it logs in with the default scenario's credentials), the
server list instead of one server, the retry count and backoff factor from
argv so the Go test can size the storm and stay fast, request timeouts so
the test cannot hang, and the adapter mount prefixes (see _make_session: as
written, the guide's example never retries). urllib3 2.x renamed
method_whitelist to allowed_methods; both spellings are tried.

usage: retry_503.py BASE_URL RETRIES BACKOFF_FACTOR [as-written]
"as-written" mounts the adapters on the guide's own prefixes, to show that
the example as published gives up at the first 503. The script
prints the server list as JSON on success; exits non-zero otherwise.
"""
import json
import sys

from urllib3.util.retry import Retry
from requests import Session
from requests.adapters import HTTPAdapter

HEADER_XSRT_TOKEN = "x-xsrf-token"
HEADER_BOX = "isp-box-instance"
COOKIE_SES6 = "ses6"

BASE_URL = sys.argv[1].rstrip("/")
RETRIES = int(sys.argv[2])
BACKOFF_FACTOR = float(sys.argv[3])
AS_WRITTEN = sys.argv[4:] == ["as-written"]
TIMEOUT = 10  # seconds per request: the test must never hang


def _make_retry_object():
    """
    Create an object to retry the API:
    total - number of attempts
    backoff_factor - affects the delay between requests
    method_whitelist - a list of methods for which request are repeated
    status_forcelist - list of statuses for which we request are repeated
    ---
    retries and backoff_factor are selected so that the request does not hang
    for too long
    """
    retries = RETRIES
    kwargs = dict(
        total=retries,
        read=retries,
        connect=retries,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=[503],
    )
    try:
        return Retry(method_whitelist=['POST', 'GET', 'DELETE'], **kwargs)
    except TypeError:  # urllib3 >= 2
        return Retry(allowed_methods=['POST', 'GET', 'DELETE'], **kwargs)


def _make_session():
    """
    Create a request.Session object to retry requests
    """
    session = Session()
    session.verify = False
    # The guide mounts on "http" and "https"; requests picks the adapter
    # with the longest matching prefix, so its own default adapters on
    # "http://" and "https://" win and nothing is retried. Mounting on the
    # full scheme prefixes is the one fix the example needs.
    if AS_WRITTEN:
        session.mount("http", HTTPAdapter(max_retries=_make_retry_object()))
        session.mount("https", HTTPAdapter(max_retries=_make_retry_object()))
        return session
    session.mount("http://", HTTPAdapter(max_retries=_make_retry_object()))
    session.mount("https://", HTTPAdapter(max_retries=_make_retry_object()))
    return session


def _login(sess):
    """The guide's login: POST auth/v4/public/token with email and password."""
    res = sess.post(
        BASE_URL + '/api/auth/v4/public/token',
        data=json.dumps({"email": "admin@example.com", "password": "secret"}),
        timeout=TIMEOUT,
    )
    res.raise_for_status()
    return res.json()["token"]


sess = _make_session()
SESSION6 = _login(sess)
res = sess.get(
    BASE_URL + '/api/dci/v3/server',
    headers={HEADER_XSRT_TOKEN: SESSION6, HEADER_BOX: 'true'},
    cookies={COOKIE_SES6: SESSION6},
    verify=False,
    timeout=TIMEOUT,
)
res.raise_for_status()
print(json.dumps(res.json()))
