#!/usr/bin/env python3
"""Deterministic benchmark inputs for authsift (Python 3 standard library only).

    gen_inputs.py har --size-mb N --seed S -o FILE
    gen_inputs.py log --format combined|jsonl --size-mb N --seed S -o FILE
    gen_inputs.py distinct --lines N -o FILE

`har` writes a Chrome-style HAR 1.2 capture (2-space indented, pages, h2
pseudo-headers, cookies, query strings, post data, timings, `_initiator`,
text bodies full of JSON/JS/HTML escapes, base64 images) averaging about
10 KB per entry, with roughly 3-4 % 401s of varied causes. `log` writes
nginx "combined" lines or Caddy-style JSON access-log lines. `distinct`
writes the hostile log of README's Limits: N combined 401 lines, each with
its own path, client address, user agent and `?api_key=` (1,000,000 lines
are 258 MB).

The output depends only on the arguments (and the Python 3 `random`
module's documented seeding, stable since 3.2). Sizes are MiB; the file
stops at the first record boundary at or after the size. Speed comes from
pools of pre-escaped bodies and pre-rendered line parts, and big writes.
"""

import argparse
import base64
import json
import random
import struct
import sys
import time

MIB = 1 << 20
FLUSH_BYTES = 8 * MIB
# 2024-05-01T08:00:00Z; the seed moves the capture by whole days.
BASE_EPOCH = 1714550400

enc = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept (like JSON.stringify)

WORDS = (
    "account session token user item order invoice payment refund customer "
    "dashboard widget report export import settings profile billing plan team "
    "project issue comment label release deploy build cache queue worker event "
    "metric alert region zone cluster node service gateway proxy tenant scope "
    "quick brown fox jumps over the lazy dog lorem ipsum dolor sit amet "
    "café naïve façade résumé Zoë Ångström Ünïcode 東京 データ 认证 Привет ☃ ✓ 🚀 —"
).split()

HTTP_DATE_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def iso_ms(t):
    """Chrome's startedDateTime: 2024-05-01T08:00:00.123Z."""
    s = int(t)
    ms = int((t - s) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % ms


def http_date(t):
    g = time.gmtime(int(t))
    return "%s, %02d %s %d %02d:%02d:%02d GMT" % (
        HTTP_DATE_DAYS[g.tm_wday], g.tm_mday, MONTHS[g.tm_mon - 1], g.tm_year, g.tm_hour, g.tm_min, g.tm_sec)


def clf_date(s):
    g = time.gmtime(s)
    return "%02d/%s/%d:%02d:%02d:%02d +0000" % (g.tm_mday, MONTHS[g.tm_mon - 1], g.tm_year, g.tm_hour, g.tm_min, g.tm_sec)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def rand_token(rng, n, alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"):
    return "".join(rng.choice(alphabet) for _ in range(n))


def sentence(rng, lo=4, hi=14):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def make_jwt(rng, iat, exp, aud="https://api.example.com", scope="read:items write:items"):
    head = {"alg": "RS256", "typ": "JWT", "kid": rand_token(rng, 16)}
    body = {
        "iss": "https://auth.example.com/",
        "sub": "auth0|" + rand_token(rng, 24, "0123456789abcdef"),
        "aud": [aud, "https://auth.example.com/userinfo"],
        "iat": iat,
        "exp": exp,
        "azp": rand_token(rng, 32),
        "scope": scope,
        "permissions": ["read:items", "write:items", "read:reports"],
    }
    sig = b64url(rng.randbytes(256))
    return b64url(json.dumps(head, separators=(",", ":")).encode()) + "." + b64url(
        json.dumps(body, separators=(",", ":")).encode()) + "." + sig


# ---------------------------------------------------------------- body pools

def json_body(rng, target):
    items = []
    size = 0
    while size < target:
        item = {
            "id": rng.randint(1, 10 ** 7),
            "uuid": "%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                                   rng.getrandbits(12), rng.getrandbits(48)),
            "name": sentence(rng, 2, 5),
            "description": sentence(rng) + ' "quoted" ' + sentence(rng) + "\n\t" + sentence(rng, 2, 6),
            "price": round(rng.random() * 1000, 2),
            "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 5))],
            "owner": {
                "id": rng.randint(1, 99999),
                "email": "%s.%d@example.com" % (rng.choice(["ana", "bo", "chen", "dana", "eli"]), rng.randint(1, 999)),
                "avatar": "https://cdn.example.net/avatars/%d.png?s=64" % rng.randint(1, 99999),
            },
            "created_at": iso_ms(BASE_EPOCH - rng.randint(0, 10 ** 8)),
            "active": rng.random() < 0.8,
            "meta": None if rng.random() < 0.5 else {"path": "C:\\Users\\app\\data\\%d.json" % rng.randint(1, 99)},
            "html": '<p class="note">%s</p>' % sentence(rng, 3, 8),
        }
        s = json.dumps(item, ensure_ascii=rng.random() < 0.3, separators=(",", ":"))
        items.append(item)
        size += len(s)
    doc = {"data": items, "page": rng.randint(1, 50), "per_page": len(items), "total": rng.randint(len(items), 5000)}
    if rng.random() < 0.25:
        return json.dumps(doc, ensure_ascii=False, indent=2)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


JS_SNIPPETS = [
    'var {a}="string with \\"quotes\\" and \\\\backslash\\\\ and \\n newline";',
    "const {a}=/^[\\w.+-]+@[\\w-]+\\.[\\w.]+$/i;",
    'function {a}(e,t){{return e.replace(/\\s+/g," ").trim()+t}}',
    "const {a}=`Hello ${{user.name}}, you have ${{n}} new {w}`;",
    "// {s} \u201csmart quotes\u201d and \u2019",
    "if({a}<{b}&&{b}>{n}){{console.log('<\\/script>',\"{w}\")}}",
    "{a}.prototype.{b}=function(){{return this.{w}_{n}||(this.{w}_{n}=new Map)}};",
    '(self.webpackChunkapp=self.webpackChunkapp||[]).push([[{n}],{{{n}:function(e,t,n){{"use strict";n.d(t,{{{a}:()=>{b}}})}}}}]);',
    "\ttry{{{a}=JSON.parse('{{\"k\":\"{w}\",\"n\":{n}}}')}}catch(e){{{a}=null}}",
    'const {a}={{"\u00e9t\u00e9":"{s}","path":"C:\\\\tmp\\\\{w}","tab":"a\\tb"}};',
]


def js_body(rng, target):
    out = []
    size = 0
    while size < target:
        line = rng.choice(JS_SNIPPETS).format(
            a=rand_token(rng, rng.randint(1, 3), "abcdefghijklmnopqrstuvwxyz"),
            b=rand_token(rng, 2, "abcdefghijklmnopqrstuvwxyz"),
            n=rng.randint(0, 99999), w=rng.choice(WORDS), s=sentence(rng, 3, 9))
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) + "\n"


def html_body(rng, target):
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\t<meta charset=\"utf-8\">\n",
        "\t<title>%s</title>\n" % sentence(rng, 2, 5),
        '\t<link rel="stylesheet" href="/static/css/main.%s.css">\n' % rand_token(rng, 8, "0123456789abcdef"),
        "\t<script>window.__STATE__ = %s;</script>\n</head>\n<body class=\"app\">\n" %
        json.dumps({"user": {"name": "Zoë", "roles": ["admin"]}, "flags": {"beta": True}}, ensure_ascii=False),
    ]
    size = sum(len(p) for p in parts)
    while size < target:
        p = '\t<div class="card" data-id="%d">\n\t\t<h2>%s</h2>\n\t\t<p title="%s &amp; more">%s</p>\n\t</div>\n' % (
            rng.randint(1, 99999), sentence(rng, 2, 5), rng.choice(WORDS), sentence(rng, 8, 30))
        parts.append(p)
        size += len(p)
    parts.append('<script src="/static/js/main.js" defer></script>\n</body>\n</html>\n')
    return "".join(parts)


def css_body(rng, target):
    out = []
    size = 0
    while size < target:
        r = '.%s-%d{color:#%06x;margin:%dpx %dpx;font-family:"Inter",sans-serif}\n.%s::before{content:"\\201C";background:url("data:image/svg+xml;utf8,<svg xmlns=\'http://www.w3.org/2000/svg\'/>")}\n' % (
            rng.choice(WORDS[:40]), rng.randint(0, 999), rng.getrandbits(24), rng.randint(0, 32), rng.randint(0, 32),
            rng.choice(WORDS[:40]))
        out.append(r)
        size += len(r)
    return "".join(out)


MAGIC = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "font/woff2": b"wOF2\x00\x01\x00\x00",
}


def binary_body(rng, mime, nbytes):
    return base64.b64encode(MAGIC[mime] + rng.randbytes(nbytes)).decode()


class Pools:
    """Bodies built once (from their own seed) and reused; stored already escaped."""

    def __init__(self, seed):
        rng = random.Random(seed * 7919 + 17)
        # (escaped text, decoded size)
        self.json = [self._text(json_body(rng, int(rng.lognormvariate(7.4, 0.9)))) for _ in range(96)]
        self.js = [self._text(js_body(rng, int(rng.lognormvariate(9.0, 0.7)))) for _ in range(40)]
        self.css = [self._text(css_body(rng, int(rng.lognormvariate(8.8, 0.6)))) for _ in range(16)]
        self.html = [self._text(html_body(rng, int(rng.lognormvariate(9.9, 0.5)))) for _ in range(12)]
        self.images = []
        for _ in range(64):
            mime = rng.choice(["image/png", "image/jpeg", "image/webp"])
            n = int(rng.lognormvariate(8.0, 0.8))
            self.images.append((mime, enc(binary_body(rng, mime, n)), n))
        self.fonts = [enc(binary_body(rng, "font/woff2", rng.randint(15000, 40000))) for _ in range(4)]

    @staticmethod
    def _text(t):
        return (enc(t), len(t.encode()))


# ---------------------------------------------------------------- HAR

UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36")
SEC_CH_UA = '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'
I12 = " " * 12
I14 = " " * 14


def nv(pairs, depth=12):
    """A HAR name/value list whose objects sit at `depth` spaces."""
    if not pairs:
        return "[]"
    i, m = " " * depth, " " * (depth + 2)
    objs = ['%s{\n%s"name": %s,\n%s"value": %s\n%s}' % (i, m, enc(n), m, enc(v), i) for n, v in pairs]
    return "[\n" + ",\n".join(objs) + "\n" + " " * (depth - 2) + "]"


def cookie_list(pairs, domain, expires):
    if not pairs:
        return "[]"
    objs = []
    for name, value in pairs:
        objs.append(
            '%s{\n%s"name": %s,\n%s"value": %s,\n%s"path": "/",\n%s"domain": %s,\n%s"expires": %s,\n'
            '%s"httpOnly": %s,\n%s"secure": true\n%s}' % (
                I12, I14, enc(name), I14, enc(value), I14, I14, enc(domain), I14, enc(expires), I14,
                "true" if name in ("sid", "__Host-session") else "false", I14, I12))
    return "[\n" + ",\n".join(objs) + "\n          ]"


INITIATORS = [
    '{\n          "type": "parser",\n          "url": "https://app.example.com/dashboard",\n          "lineNumber": %d\n        }',
    '{\n          "type": "other"\n        }',
    '{\n          "type": "script",\n          "stack": {\n            "callFrames": [\n              {\n'
    '                "functionName": "%s",\n                "scriptId": "%d",\n'
    '                "url": "https://app.example.com/static/js/main.3f9a1c.js",\n'
    '                "lineNumber": 1,\n                "columnNumber": %d\n              },\n              {\n'
    '                "functionName": "",\n                "scriptId": "%d",\n'
    '                "url": "https://app.example.com/static/js/vendor.77b2e0.js",\n'
    '                "lineNumber": 2,\n                "columnNumber": %d\n              }\n            ]\n'
    '          }\n        }',
]


def initiator(rng, kind):
    if kind == "document":
        return INITIATORS[1]
    if kind in ("script", "stylesheet", "image", "font") and rng.random() < 0.7:
        return INITIATORS[0] % rng.randint(1, 400)
    return INITIATORS[2] % (rng.choice(["fetchJson", "apiCall", "sendBeacon", "loadMore", "t.request"]),
                            rng.randint(10, 99), rng.randint(100, 90000), rng.randint(10, 99), rng.randint(100, 90000))


class Har:
    def __init__(self, seed, target_bytes):
        self.rng = random.Random(seed * 1000003 + 1)
        self.pools = Pools(seed)
        self.seed = seed
        self.base = BASE_EPOCH + (seed % 365) * 86400
        self.per_page = 150
        est = max(1, target_bytes // 10800)  # entries average about 10.8 KB
        self.npages = est // self.per_page + 1
        self.sid = rand_token(self.rng, 40)
        self.csrf = rand_token(self.rng, 32)
        self.token_exp = 0
        self.token = ""
        self.api_key = "tk_live_" + rand_token(self.rng, 32)
        self.maps_key = "AIza" + rand_token(self.rng, 35)
        self.count = 0
        self.status_counts = {}

    def page_start(self, k):
        return self.base + k * 75.0

    def header(self):
        pages = []
        for k in range(self.npages):
            t = self.page_start(k)
            pages.append(
                '      {\n        "startedDateTime": "%s",\n        "id": "page_%d",\n'
                '        "title": "https://app.example.com/%s",\n        "pageTimings": {\n'
                '          "onContentLoad": %s,\n          "onLoad": %s\n        }\n      }' % (
                    iso_ms(t), k + 1, ["dashboard", "reports/42", "settings/team", "items?page=%d" % (k % 9 + 1)][k % 4],
                    round(400 + (k * 37) % 900 + 0.123, 3), round(1200 + (k * 53) % 2000 + 0.456, 3)))
        return ('{\n  "log": {\n    "version": "1.2",\n    "creator": {\n      "name": "WebInspector",\n'
                '      "version": "537.36"\n    },\n    "pages": [\n' + ",\n".join(pages) + '\n    ],\n    "entries": [\n')

    FOOTER = '\n    ]\n  }\n}\n'

    # -- request pieces

    def bearer(self, t):
        if t > self.token_exp - 300:
            iat = int(t) - self.rng.randint(0, 60)
            self.token_exp = iat + 3600
            self.token = make_jwt(self.rng, iat, self.token_exp)
        return "Bearer " + self.token

    def cookies(self, host):
        if host.endswith("example.com"):
            return [("sid", self.sid), ("csrftoken", self.csrf), ("_ga", "GA1.2.%d.%d" % (self.seed + 1, 1714000000)),
                    ("theme", "dark")]
        return []

    def entry(self, k, j, t, spec):
        """Renders one entry. spec: dict with kind/method/host/path/query/status/req_headers/resp_headers/body..."""
        rng = self.rng
        host = spec["host"]
        method = spec.get("method", "GET")
        query = spec.get("query", [])
        path = spec["path"]
        url = "https://" + host + path + ("?" + "&".join("%s=%s" % q for q in query) if query else "")
        h2 = spec.get("h2", True)
        cookies = spec.get("cookies", self.cookies(host))
        req = []
        if h2:
            req += [(":authority", host), (":method", method), (":path", url[len("https://") + len(host):]),
                    (":scheme", "https")]
        req += [("accept", spec.get("accept", "application/json, text/plain, */*")),
                ("accept-encoding", "gzip, deflate, br, zstd"), ("accept-language", "en-GB,en;q=0.9,de;q=0.8")]
        req += spec.get("req_headers", [])
        if cookies:
            req.append(("cookie", "; ".join("%s=%s" % c for c in cookies)))
        if not h2:
            req.insert(0, ("Host", host))
            req.append(("Connection", "keep-alive"))
        req += [("referer", "https://app.example.com/dashboard"), ("sec-ch-ua", SEC_CH_UA), ("sec-ch-ua-mobile", "?0"),
                ("sec-ch-ua-platform", '"Windows"'), ("sec-fetch-dest", spec.get("dest", "empty")),
                ("sec-fetch-mode", spec.get("mode", "cors")), ("sec-fetch-site", "same-site"), ("user-agent", UA)]
        post = ""
        body_size = 0
        if "post" in spec:
            mime, text = spec["post"]
            body_size = len(text.encode())
            req.append(("content-type", mime))
            params = ""
            if mime == "application/x-www-form-urlencoded":
                params = ',\n            "params": ' + nv([tuple(kv.split("=", 1)) for kv in text.split("&")], 14)
            post = ',\n          "postData": {\n            "mimeType": %s,\n            "text": %s%s\n          }' % (
                enc(mime), enc(text), params)

        status = spec.get("status", 200)
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        ctype = spec.get("ctype", "application/json; charset=utf-8")
        resp = [("date", http_date(t)), ("content-type", ctype)]
        if status != 401:
            resp += [("cache-control", spec.get("cache", "private, max-age=0, no-cache")), ("content-encoding", "br")]
        resp += spec.get("resp_headers", [])
        resp += [("server", spec.get("server", "cloudflare")), ("strict-transport-security", "max-age=31536000"),
                 ("vary", "Accept-Encoding, Origin"), ("x-request-id", "%032x" % rng.getrandbits(128))]
        if h2 is False:
            resp.insert(0, ("Connection", "keep-alive"))

        body = spec.get("body")  # (escaped text, size, mime, base64?)
        if body is None:
            content = '{\n            "size": 0,\n            "mimeType": "x-unknown"\n          }'
            transfer = 120 + rng.randint(0, 200)
        else:
            text, size, mime, b64 = body
            transfer = size // 3 + 300
            content = '{\n            "size": %d,\n            "mimeType": %s,\n            "text": %s%s\n          }' % (
                size, enc(mime), text, ',\n            "encoding": "base64"' if b64 else "")
        blocked = round(rng.random() * 4 + 0.2, 3)
        wait = round(rng.expovariate(1 / 60.0) + 8, 3)
        recv = round(rng.random() * 6, 3)
        total = round(blocked + 0.1 + wait + recv, 3)
        ip = spec.get("ip", "104.18.%d.%d" % (k % 250, j % 250))
        return (
            '      {\n        "_initiator": %s,\n        "_priority": "%s",\n        "_resourceType": "%s",\n'
            '        "cache": {},\n        "connection": "%d",\n        "pageref": "page_%d",\n'
            '        "request": {\n          "method": "%s",\n          "url": %s,\n          "httpVersion": "%s",\n'
            '          "headers": %s,\n          "queryString": %s,\n          "cookies": %s,\n'
            '          "headersSize": -1,\n          "bodySize": %d%s\n        },\n'
            '        "response": {\n          "status": %d,\n          "statusText": "%s",\n          "httpVersion": "%s",\n'
            '          "headers": %s,\n          "cookies": [],\n          "content": %s,\n          "redirectURL": "",\n'
            '          "headersSize": -1,\n          "bodySize": -1,\n          "_transferSize": %d,\n'
            '          "_error": null,\n          "_fetchedViaServiceWorker": false\n        },\n'
            '        "serverIPAddress": "%s",\n        "startedDateTime": "%s",\n        "time": %s,\n'
            '        "timings": {\n          "blocked": %s,\n          "dns": -1,\n          "ssl": -1,\n'
            '          "connect": -1,\n          "send": 0.1,\n          "wait": %s,\n          "receive": %s,\n'
            '          "_blocked_queueing": %s,\n          "_workerStart": -1,\n          "_workerReady": -1,\n'
            '          "_workerFetchStart": -1,\n          "_workerRespondWithSettled": -1\n        }\n      }' % (
                initiator(rng, spec["kind"]), spec.get("priority", "High"), spec["kind"], 400000 + (k * 7 + j) % 5000,
                k + 1, method, enc(url), "http/2.0" if h2 else "HTTP/1.1", nv(req), nv(query),
                cookie_list(cookies, "." + host.split(".", 1)[-1], iso_ms(t + 86400 * 30)), body_size, post,
                status, "" if h2 else STATUS_TEXT.get(status, ""), "http/2.0" if h2 else "HTTP/1.1", nv(resp), content,
                transfer, ip, iso_ms(t), total, blocked, wait, recv, round(blocked * 0.8, 3)))

    # -- ordinary traffic

    def ordinary(self, j, t):
        rng = self.rng
        p = self.pools
        if j == 0:
            text, size = rng.choice(p.html)
            return {"kind": "document", "host": "app.example.com", "path": "/dashboard", "accept": "text/html,*/*;q=0.8",
                    "dest": "document", "mode": "navigate", "priority": "VeryHigh",
                    "ctype": "text/html; charset=utf-8", "body": (text, size, "text/html", False)}
        r = rng.random()
        if r < 0.42:  # API call with a bearer token
            text, size = rng.choice(p.json)
            q = [("page", str(rng.randint(1, 40))), ("per_page", "50")] if rng.random() < 0.5 else []
            if rng.random() < 0.2:
                q.append(("filter", "name%20eq%20%27" + rng.choice(WORDS[:30]) + "%27"))
            spec = {"kind": "fetch", "host": "api.example.com", "path": "/v1/%s/%d" % (rng.choice(WORDS[:40]), rng.randint(1, 9999)),
                    "query": q, "req_headers": [("authorization", self.bearer(t)), ("origin", "https://app.example.com"),
                                                ("x-csrf-token", self.csrf)],
                    "body": (text, size, "application/json", False)}
            if rng.random() < 0.15:
                post = json.dumps({"name": sentence(rng, 1, 3), "note": 'says "hi"\n', "qty": rng.randint(1, 9)},
                                  ensure_ascii=False)
                spec.update(method=rng.choice(["POST", "PUT", "PATCH"]), post=("application/json", post))
            return spec
        if r < 0.52:
            text, size = rng.choice(p.js)
            return {"kind": "script", "host": "app.example.com", "path": "/static/js/chunk.%d.%x.js" % (rng.randint(1, 400), rng.getrandbits(24)),
                    "accept": "*/*", "dest": "script", "mode": "no-cors", "cache": "public, max-age=31536000, immutable",
                    "ctype": "application/javascript", "body": (text, size, "application/javascript", False)}
        if r < 0.56:
            text, size = rng.choice(p.css)
            return {"kind": "stylesheet", "host": "app.example.com", "path": "/static/css/%s.css" % rng.choice(WORDS[:40]),
                    "accept": "text/css,*/*;q=0.1", "dest": "style", "mode": "no-cors", "priority": "VeryHigh",
                    "ctype": "text/css", "body": (text, size, "text/css", False)}
        if r < 0.78:
            mime, text, size = rng.choice(p.images)
            return {"kind": "image", "host": "cdn.example.net", "path": "/img/%d/%x.%s" % (rng.randint(1, 999), rng.getrandbits(32), mime.split("/")[1]),
                    "accept": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "dest": "image", "mode": "no-cors",
                    "priority": "Low", "cookies": [], "cache": "public, max-age=86400", "ctype": mime,
                    "body": (text, size, mime, True)}
        if r < 0.79:
            return {"kind": "font", "host": "cdn.example.net", "path": "/fonts/inter-%d.woff2" % rng.randint(1, 4),
                    "accept": "*/*", "dest": "font", "cookies": [], "ctype": "font/woff2",
                    "body": (rng.choice(p.fonts), 30000, "font/woff2", True)}
        if r < 0.85:  # CORS preflight
            return {"kind": "preflight", "host": "api.example.com", "method": "OPTIONS", "path": "/v1/%s" % rng.choice(WORDS[:40]),
                    "cookies": [], "status": 204, "ctype": "text/plain",
                    "req_headers": [("access-control-request-headers", "authorization,content-type,x-csrf-token"),
                                    ("access-control-request-method", "POST"), ("origin", "https://app.example.com")],
                    "resp_headers": [("access-control-allow-origin", "https://app.example.com"),
                                     ("access-control-allow-headers", "authorization,content-type,x-csrf-token")]}
        if r < 0.92:  # telemetry beacon with an API key header
            post = "v=2&tid=%s&cid=%d.%d&t=event&ec=%s&ea=click&el=%s" % (
                rng.choice(["UA-1", "G-7XK"]), self.seed + 1, rng.randint(1, 10 ** 9), rng.choice(WORDS[:40]), rng.choice(WORDS))
            return {"kind": "ping", "host": "telemetry.example.io", "method": "POST", "path": "/collect",
                    "cookies": [], "status": 204, "ctype": "text/plain", "priority": "Low",
                    "req_headers": [("x-api-key", self.api_key)], "post": ("application/x-www-form-urlencoded", post)}
        if r < 0.95:  # maps tile API with a key in the query
            text, size = rng.choice(p.json)
            return {"kind": "xhr", "host": "maps.example.org", "path": "/v3/geocode", "cookies": [],
                    "query": [("address", "%d+Main+St" % rng.randint(1, 999)), ("key", self.maps_key)],
                    "body": (text, size, "application/json", False)}
        return {"kind": "fetch", "host": "app.example.com", "path": "/api/session", "status": 304,
                "ctype": "application/json", "body": None}

    # -- 401 scenarios (each yields one or more specs)

    def failure(self, t):
        rng = self.rng
        r = rng.random()
        api = lambda path, **kw: dict({"kind": "fetch", "host": "api.example.com", "path": path,
                                       "req_headers": [("origin", "https://app.example.com")]}, **kw)

        def jbody(obj):
            s = json.dumps(obj)
            return (enc(s), len(s), "application/json", False)

        if r < 0.18:  # missing: no Authorization, bare Bearer challenge
            return [api("/v1/me", status=401, resp_headers=[("www-authenticate", 'Bearer realm="api"')],
                        body=jbody({"error": "unauthorized", "message": "Authentication required"}))]
        if r < 0.38:  # expired JWT (exp in the past)
            iat = int(t) - rng.randint(3700, 90000)
            tok = make_jwt(rng, iat, iat + 3600)
            s = api("/v1/items/%d" % rng.randint(1, 999), status=401,
                    resp_headers=[("www-authenticate", 'Bearer realm="api", error="invalid_token"')],
                    body=jbody({"error": "invalid_token"}))
            s["req_headers"].append(("authorization", "Bearer " + tok))
            return [s]
        if r < 0.50:  # server says why in error_description
            desc, err = rng.choice([("The access token expired", "invalid_token"),
                                    ("Token has been revoked", "invalid_token"),
                                    ("The token audience is invalid", "invalid_token"),
                                    ("Insufficient scope for this resource", "insufficient_scope")])
            s = api("/v1/reports/%d" % rng.randint(1, 99), status=401,
                    resp_headers=[("www-authenticate", 'Bearer realm="api", error="%s", error_description="%s"%s' % (
                        err, desc, ', scope="reports:read"' if err == "insufficient_scope" else ""))],
                    body=jbody({"error": err, "error_description": desc}))
            s["req_headers"].append(("authorization", self.bearer(t)))
            return [s]
        if r < 0.62:  # placeholders
            which = rng.randint(0, 3)
            if which == 0:
                return [{"kind": "ping", "host": "telemetry.example.io", "method": "POST", "path": "/collect",
                         "cookies": [], "status": 401, "req_headers": [("x-api-key", "YOUR_API_KEY")],
                         "post": ("application/json", '{"events":[]}'), "body": jbody({"message": "Invalid API key"})}]
            if which == 1:
                return [{"kind": "xhr", "host": "maps.example.org", "path": "/v3/geocode", "cookies": [], "status": 401,
                         "query": [("address", "1+Main+St"), ("key", "%7Bapikey%7D")],
                         "body": jbody({"error": {"code": 401, "message": "API key not valid. Please pass a valid API key."}})}]
            s = api("/v1/me", status=401, resp_headers=[("www-authenticate", 'Bearer realm="api", error="invalid_token"')],
                    body=jbody({"error": "invalid_token"}))
            s["req_headers"].append(("authorization", "Bearer " + ("undefined" if which == 2 else "${ACCESS_TOKEN}")))
            return [s]
        if r < 0.72:  # bad Basic
            val = rng.choice(["Basic dXNlcg==", "Basic admin:hunter2", "Basic " + base64.b64encode(b"admin:wrong-password").decode()])
            return [{"kind": "document", "host": "admin.example.com", "path": "/admin/", "h2": False, "status": 401,
                     "accept": "text/html,*/*;q=0.8", "dest": "document", "mode": "navigate", "cookies": [],
                     "req_headers": [("Authorization", val)], "ctype": "text/html", "server": "nginx/1.25.3",
                     "resp_headers": [("WWW-Authenticate", 'Basic realm="Restricted", charset="UTF-8"')],
                     "body": (enc(IIS_OR_NGINX_401), len(IIS_OR_NGINX_401), "text/html", False)}]
        if r < 0.80:  # a real-looking but invalid API key
            return [{"kind": "ping", "host": "telemetry.example.io", "method": "POST", "path": "/collect",
                     "cookies": [], "status": 401, "req_headers": [("x-api-key", "tk_live_" + rand_token(rng, 32))],
                     "post": ("application/json", '{"events":[{"n":"view"}]}'),
                     "body": jbody({"message": "Invalid API key provided"})}]
        if r < 0.88:  # wrong audience
            tok = make_jwt(rng, int(t) - 60, int(t) + 3000, aud="https://api.eu.example.com")
            s = api("/v1/items", status=401, resp_headers=[("www-authenticate", 'Bearer realm="api", error="invalid_token"')],
                    body=jbody({"error": "invalid_token"}))
            s["req_headers"].append(("authorization", "Bearer " + tok))
            return [s]
        # NTLM handshake: two 401 legs, then 200 on the same URL
        path = "/sites/finance/%s.aspx" % rng.choice(WORDS[:30])
        common = {"kind": "document", "host": "intranet.corp.example", "path": path, "h2": False, "accept": "text/html,*/*;q=0.8",
                  "dest": "document", "mode": "navigate", "cookies": [], "ctype": "text/html", "server": "Microsoft-IIS/10.0",
                  "ip": "10.20.30.40"}
        t1 = b"NTLMSSP\x00\x01\x00\x00\x00" + struct.pack("<I", 0xE2088297) + bytes(16) + b"\x0a\x00\x63\x45\x00\x00\x00\x0f"
        t2 = b"NTLMSSP\x00\x02\x00\x00\x00" + rng.randbytes(48)
        t3 = b"NTLMSSP\x00\x03\x00\x00\x00" + rng.randbytes(rng.randint(300, 500))
        b401 = (enc(IIS_OR_NGINX_401), len(IIS_OR_NGINX_401), "text/html", False)
        page, size = rng.choice(self.pools.html)
        return [
            dict(common, status=401, resp_headers=[("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")], body=b401),
            dict(common, status=401, req_headers=[("Authorization", "NTLM " + base64.b64encode(t1).decode())],
                 resp_headers=[("WWW-Authenticate", "NTLM " + base64.b64encode(t2).decode())], body=b401),
            dict(common, status=200, req_headers=[("Authorization", "NTLM " + base64.b64encode(t3).decode())],
                 body=(page, size, "text/html", False)),
        ]

    def write(self, out, target_bytes):
        buf = [self.header().encode()]
        pending = len(buf[0])
        written = 0
        first = True
        k = 0
        queue = []  # a scenario's entries run on across a page boundary
        while written + pending < target_bytes:
            j = 0
            while j < self.per_page and written + pending < target_bytes:
                if not queue:
                    t_probe = self.page_start(k) + j * 0.45
                    if j > 0 and self.rng.random() < 0.031:
                        queue = self.failure(t_probe)
                    else:
                        queue = [self.ordinary(j, t_probe)]
                spec = queue.pop(0)
                t = self.page_start(k) + j * 0.45 + self.rng.random() * 0.3
                s = self.entry(min(k, self.npages - 1), j, t, spec)
                b = (s if first else ",\n" + s).encode()
                first = False
                buf.append(b)
                pending += len(b)
                self.count += 1
                j += 1
                if pending >= FLUSH_BYTES:
                    out.write(b"".join(buf))
                    written += pending
                    buf, pending = [], 0
            k += 1
        buf.append(self.FOOTER.encode())
        out.write(b"".join(buf))
        return written + pending + len(self.FOOTER)


STATUS_TEXT = {200: "OK", 204: "No Content", 304: "Not Modified", 401: "Unauthorized"}

IIS_OR_NGINX_401 = (
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n"
    "<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n<title>401 - Unauthorized: Access is denied due to "
    "invalid credentials.</title>\r\n<style type=\"text/css\">\r\n<!--\r\nbody{margin:0;font-size:.7em;"
    "font-family:Verdana, Arial, Helvetica, sans-serif;background:#EEEEEE;}\r\n-->\r\n</style>\r\n</head>\r\n"
    "<body>\r\n<div id=\"header\"><h1>Server Error</h1></div>\r\n<div id=\"content\">\r\n <div class=\"content-container\">"
    "<fieldset>\r\n  <h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2>\r\n  <h3>You do not have "
    "permission to view this directory or page using the credentials that you supplied.</h3>\r\n </fieldset></div>\r\n"
    "</div>\r\n</body>\r\n</html>\r\n")


# ---------------------------------------------------------------- logs

LOG_UAS = [
    UA,
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "okhttp/4.12.0",
    "Go-http-client/2.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "kube-probe/1.29",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 \\x22quoted\\x22",
]

LOG_PATHS = ["/", "/index.html", "/static/app.js", "/static/app.css", "/img/logo.png", "/favicon.ico",
             "/api/v1/items", "/api/v1/items/%d", "/api/v1/users/%d/orders", "/api/v2/search", "/healthz",
             "/login", "/logout", "/account/settings", "/robots.txt", "/sitemap.xml", "/feeds/news.rss"]


def log_ips(rng, n):
    ips = ["%d.%d.%d.%d" % (rng.choice([23, 45, 66, 81, 93, 104, 142, 172, 185, 203]), rng.randint(0, 255),
                            rng.randint(0, 255), rng.randint(1, 254)) for _ in range(n)]
    ips += ["2001:db8:%x::%x" % (rng.getrandbits(16), rng.getrandbits(16)) for _ in range(n // 20)]
    return ips


def combined_tails(rng, n):
    """(user, '"request" status size "referer" "ua"\\n') pairs; about 3.5 % are 401."""
    out = []
    for _ in range(n):
        r = rng.random()
        user = "-"
        ua = rng.choice(LOG_UAS)
        method = "GET"
        size = rng.randint(200, 60000)
        if r < 0.035:  # 401s of several kinds
            status = 401
            size = rng.randint(150, 700)
            kind = rng.randint(0, 5)
            if kind == 0:
                path = "/admin/"
                user = rng.choice(["admin", "root", "deploy", "j.smith"])
            elif kind == 1:
                path = "/api/v1/items?api_key=%s" % rng.choice(["YOUR_API_KEY", "%7Bapikey%7D", "undefined"])
            elif kind == 2:
                path = "/api/v1/items?api_key=sk_live_%s" % rand_token(rng, 24)
            elif kind == 3:
                path = "/api/v1/users/%d/orders" % rng.randint(1, 9999)
            elif kind == 4:
                path = "/wp-login.php"
                method = "POST"
            else:
                path = "/api/v2/search?q=%s&access_token=%s" % (rng.choice(WORDS[:30]), rand_token(rng, 40))
        else:
            status = rng.choices([200, 304, 301, 302, 404, 403, 500, 206], [80, 8, 2, 3, 4, 1, 0.5, 1])[0]
            path = rng.choice(LOG_PATHS)
            if "%d" in path:
                path = path % rng.randint(1, 99999)
            if path.startswith("/api/") and rng.random() < 0.3:
                path += "?page=%d&api_key=sk_live_%s" % (rng.randint(1, 20), rand_token(rng, 24))
            if rng.random() < 0.03:
                path, user = "/admin/reports", rng.choice(["admin", "deploy"])
            if rng.random() < 0.1:
                method = rng.choice(["POST", "PUT", "DELETE", "HEAD"])
            if status == 304:
                size = 0
        proto = "HTTP/2.0" if rng.random() < 0.4 else "HTTP/1.1"
        ref = "-" if rng.random() < 0.4 else "https://www.example.com/%s" % rng.choice(["", "search?q=x", "account"])
        out.append((user, '"%s %s %s" %d %d "%s" "%s"\n' % (method, path, proto, status, size, ref, ua)))
    return out


def caddy_parts(rng, n):
    """(request object, '"size":N,"status":S,"resp_headers":{...}}\\n') pairs."""
    out = []
    for _ in range(n):
        r = rng.random()
        host = rng.choice(["api.example.com", "api.example.com", "www.example.com", "files.example.com"])
        ua = rng.choice(LOG_UAS).replace("\\x22", '"')
        headers = {"User-Agent": [ua], "Accept": ["application/json"], "Accept-Encoding": ["gzip, br"]}
        redacting = host == "www.example.com"
        status = 200
        resp = {"Server": ["Caddy"], "Content-Type": ["application/json"]}
        uri = rng.choice(LOG_PATHS)
        if "%d" in uri:
            uri = uri % rng.randint(1, 99999)
        if r < 0.035:
            status = 401
            kind = rng.randint(0, 5)
            if kind == 0:
                resp["Www-Authenticate"] = ['Bearer realm="api"']
            elif kind == 1:
                iat = BASE_EPOCH - rng.randint(5000, 90000)
                headers["Authorization"] = ["Bearer " + make_jwt(rng, iat, iat + 3600)]
                resp["Www-Authenticate"] = ['Bearer realm="api", error="invalid_token"']
            elif kind == 2:
                headers["Authorization"] = ["Bearer " + rand_token(rng, 40)]
                resp["Www-Authenticate"] = ['Bearer realm="api", error="invalid_token", error_description="Token has been revoked"']
            elif kind == 3:
                headers["X-Api-Key"] = [rng.choice(["YOUR_API_KEY", "<API_KEY>", "changeme"])]
            elif kind == 4:
                headers["Authorization"] = ["Basic " + base64.b64encode(b"admin:nope").decode()]
                resp["Www-Authenticate"] = ['Basic realm="restricted"']
            else:
                uri = "/v1/items?api_key=%s" % rand_token(rng, 32)
        elif rng.random() < 0.6:
            headers["Authorization"] = ["Bearer " + rand_token(rng, 40)]
        if redacting and "Authorization" in headers:
            headers["Authorization"] = ["REDACTED"]
        if rng.random() < 0.3:
            headers["Cookie"] = ["REDACTED" if redacting else "sid=%s" % rand_token(rng, 32)]
        ip = "%d.%d.%d.%d" % (rng.choice([23, 45, 81, 93, 203]), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        req = {"remote_ip": ip, "remote_port": str(rng.randint(1024, 65535)), "client_ip": ip,
               "proto": rng.choice(["HTTP/1.1", "HTTP/2.0"]), "method": rng.choice(["GET"] * 8 + ["POST", "PUT"]),
               "host": host, "uri": uri, "headers": headers,
               "tls": {"resumed": False, "version": 772, "cipher_suite": 4865, "proto": "h2", "server_name": host}}
        tail = '"size":%d,"status":%d,"resp_headers":%s}\n' % (
            rng.randint(0, 50000) if status != 401 else 61, status, json.dumps(resp, separators=(",", ":")))
        out.append((json.dumps(req, separators=(",", ":"), ensure_ascii=False), tail))
    return out


def write_log(fmt, seed, target, out):
    rng = random.Random(seed * 1000003 + (2 if fmt == "combined" else 3))
    ips = log_ips(rng, 4000)
    written = 0
    lines = 0
    if fmt == "combined":
        tails = combined_tails(rng, 60000)
        sec = BASE_EPOCH + (seed % 365) * 86400
        while written < target:
            block = []
            for _ in range(256):  # 256 seconds, 20-60 lines each
                ts = clf_date(sec)
                n = rng.randint(20, 60)
                mid = " [" + ts + "] "
                us = rng.choices(tails, k=n)
                ip = rng.choices(ips, k=n)
                block += [a + " - " + u[0] + mid + u[1] for a, u in zip(ip, us)]
                sec += 1
            data = "".join(block).encode()
            lines += len(block)
            if written + len(data) > target:
                cut = data.index(b"\n", target - written - 1) + 1
                lines -= data[cut:].count(b"\n")
                data = data[:cut]
            out.write(data)
            written += len(data)
    else:
        parts = caddy_parts(rng, 20000)
        durs = ["%.9f" % rng.expovariate(1 / 0.02) for _ in range(997)]
        us = (BASE_EPOCH + (seed % 365) * 86400) * 1000000
        head = '{"level":"info","ts":'
        mid1 = ',"logger":"http.log.access.log0","msg":"handled request","request":'
        while written < target:
            n = 4096
            picks = rng.choices(parts, k=n)
            steps = rng.choices(range(50, 40000), k=n)
            ds = rng.choices(durs, k=n)
            block = []
            for (req, tail), step, d in zip(picks, steps, ds):
                us += step
                block.append('%s%d.%06d%s%s,"bytes_read":0,"user_id":"","duration":%s,%s' % (
                    head, us // 1000000, us % 1000000, mid1, req, d, tail))
            data = "".join(block).encode()
            lines += len(block)
            if written + len(data) > target:
                cut = data.index(b"\n", target - written - 1) + 1
                lines -= data[cut:].count(b"\n")
                data = data[:cut]
            out.write(data)
            written += len(data)
    return written, lines


def write_distinct(lines, out):
    """`lines` 401s, each with its own path, client, user agent and key."""
    buf = []
    written = 0
    for i in range(lines):
        t = i % 86400
        buf.append(
            '%d.%d.%d.%d - - [01/May/2024:%02d:%02d:%02d +0000] "GET /v1/items/%xz/p%d/orders/details'
            '?api_key=k%08xQ9xLongerKeyValue&page=2 HTTP/1.1" 401 12 "https://www.example.com/app/page/%d" '
            '"Mozilla/5.0 (X11; Linux x86_64) agent/%d AppleWebKit/537.36"\n'
            % (10 + i % 200, i >> 8 & 255, i >> 16 & 255, i & 255, t // 3600, t // 60 % 60, t % 60, i, i, i, i, i)
        )
        if len(buf) == 65536 or i == lines - 1:
            data = "".join(buf).encode()
            out.write(data)
            written += len(data)
            buf = []
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("har", help="a Chrome-style HAR 1.2 capture")
    lg = sub.add_parser("log", help="an access log")
    lg.add_argument("--format", choices=["combined", "jsonl"], required=True)
    d = sub.add_parser("distinct", help="401s that differ in every field (the Limits section's hostile log)")
    d.add_argument("--lines", type=int, default=1000000)
    d.add_argument("-o", "--output", required=True, help="output file ('-' for stdout)")
    d.add_argument("-q", "--quiet", action="store_true")
    for p in (h, lg):
        p.add_argument("--size-mb", type=float, required=True, help="size in MiB (stops at the next record boundary)")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("-o", "--output", required=True, help="output file ('-' for stdout)")
        p.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "distinct":
        out = sys.stdout.buffer if a.output == "-" else open(a.output, "wb")
        try:
            size = write_distinct(a.lines, out)
        finally:
            if out is not sys.stdout.buffer:
                out.close()
        if not a.quiet:
            print("gen_inputs: %s: %.1f MiB, %d lines" % (a.output, size / MIB, a.lines), file=sys.stderr)
        return
    target = int(a.size_mb * MIB)
    t0 = time.perf_counter()
    out = sys.stdout.buffer if a.output == "-" else open(a.output, "wb", buffering=0)
    try:
        if a.cmd == "har":
            har = Har(a.seed, target)
            size = har.write(out, target)
            n401 = har.status_counts.get(401, 0)
            what = "%d entries, %d with status 401 (%.1f %%)" % (har.count, n401, 100.0 * n401 / max(har.count, 1))
        else:
            size, lines = write_log(a.format, a.seed, target, out)
            what = "%d lines" % lines
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    if not a.quiet:
        dt = time.perf_counter() - t0
        print("gen_inputs: %s: %.1f MiB, %s, %.1f s" % (a.output, size / MIB, what, dt), file=sys.stderr)


if __name__ == "__main__":
    main()
