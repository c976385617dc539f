// proxyproof: bearer JWT check for nginx (njs 0.7+), used through auth_request.
// Reads its settings from the file named by $pp_jwt_config:
//   { "alg": "RS256"|"HS256", "secret"?: string, "keys": [{ "kid"?: string, "spki": base64 DER }], "issuer"?: string }
// Answers 204 (let the request through) or 401. Only runs when $pp_need_auth is "1".
import fs from 'fs';
import cr from 'crypto';

var settings = null;

function load(r) {
  if (settings === null) {
    settings = JSON.parse(fs.readFileSync(r.variables.pp_jwt_config));
  }
  return settings;
}

function b64url(s) {
  return Buffer.from(s, 'base64url');
}

async function verify(r) {
  try {
    if (r.variables.pp_need_auth !== '1') {
      r.return(204);
      return;
    }
    var auth = r.headersIn['Authorization'] || '';
    var m = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(auth);
    if (!m) {
      r.return(401);
      return;
    }
    var cfg = load(r);
    var header = JSON.parse(b64url(m[1]).toString());
    var payload = JSON.parse(b64url(m[2]).toString());
    if (header.alg !== cfg.alg) {
      r.return(401);
      return;
    }
    var signed = m[1] + '.' + m[2];
    var ok = false;
    if (cfg.alg === 'HS256') {
      var expected = cr.createHmac('sha256', cfg.secret).update(signed).digest('base64url');
      ok = expected === m[3];
    } else {
      var sig = b64url(m[3]);
      for (var i = 0; i < cfg.keys.length && !ok; i++) {
        var k = cfg.keys[i];
        if (header.kid && k.kid && header.kid !== k.kid) continue;
        var key = await crypto.subtle.importKey('spki', Buffer.from(k.spki, 'base64'),
          { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
        ok = await crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, sig, Buffer.from(signed));
      }
    }
    var now = Math.floor(Date.now() / 1000);
    if (ok && typeof payload.exp === 'number' && payload.exp <= now) ok = false;
    if (ok && typeof payload.nbf === 'number' && payload.nbf > now) ok = false;
    if (ok && cfg.issuer && payload.iss !== cfg.issuer) ok = false;
    r.return(ok ? 204 : 401);
  } catch (e) {
    r.error('proxyproof jwt: ' + e);
    r.return(401);
  }
}

export default { verify };
