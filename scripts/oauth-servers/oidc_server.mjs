// A real OpenID Provider for the tests: panva's oidc-provider on 127.0.0.1, configured by JSON.
//
//   node scripts/oauth-servers/oidc_server.mjs CONFIG.json     (NODE_MODULES: the folder oidc-provider is installed in)
//
// It listens on CONFIG.port (0: a free port) and prints one line `listening <origin>` when ready.
// CONFIG: {issuerPath, routes, clients, scopes, claims, shortLivedClients,
// clientAuthMethods}.
// Every client must use PKCE (S256). Sign-in is oidc-provider's development login page (any
// login; "unverified-..." logins get email_verified=false); consent is granted automatically.
// POST /__rotate puts a new signing key in front of the old ones, as an issuer rotating its keys.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const modules = process.env.NODE_MODULES;
const { default: Provider } = await import(pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href);

const newKey = () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
};

function numericId(login) {
  let hash = 7;
  for (const char of login) hash = (hash * 31 + char.codePointAt(0)) % 1000000007;
  return hash;
}

// The account id is the login; "connection|name" logins (Auth0's subjects) are users "name".
function claimsOf(accountId) {
  const login = accountId.split('|').pop();
  return {
    sub: accountId,
    email: `${login}@example.test`,
    email_verified: !login.startsWith('unverified'),
    name: `User ${login}`,
    preferred_username: login,
    // Shapes some providers' user endpoints have (GitLab's /api/v4/user, Cognito's id_token).
    id: numericId(login),
    username: login,
    'cognito:username': login,
  };
}

let keys = [newKey()];
let provider;
let origin;

function build() {
  const next = new Provider(`${origin}${config.issuerPath ?? ''}`, {
    clients: config.clients,
    jwks: { keys },
    routes: config.routes ?? {},
    scopes: ['openid', 'offline_access', 'profile', 'email', ...(config.scopes ?? [])],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      ...(config.claims ?? {}),
    },
    conformIdTokenClaims: false,
    ...(config.clientAuthMethods ? { clientAuthMethods: config.clientAuthMethods } : {}),
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['lucia-core test cookie key'] },
    ttl: {
      IdToken: (ctx, token, client) => ((config.shortLivedClients ?? []).includes(client.clientId) ? 1 : 3600),
    },
    findAccount: async (ctx, id) => ({ accountId: id, claims: async () => claimsOf(id) }),
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) {
          existing.addOIDCScope(ctx.oidc.params.scope);
          await existing.save();
          return existing;
        }
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  next.on('server_error', (ctx, error) => console.error('server_error', error));
  return next;
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__rotate') {
    keys = [newKey(), ...keys];
    provider = build();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: keys[0].kid }));
    return;
  }
  provider.callback()(req, res);
});

server.listen(config.port ?? 0, '127.0.0.1', () => {
  origin = `http://127.0.0.1:${server.address().port}`;
  provider = build();
  console.log(`listening ${origin}`);
});
