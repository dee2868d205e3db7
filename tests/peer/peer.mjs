// The certified OpenID provider (panva's oidc-provider, OpenID Certified) as the other party of our client in
// tests/integration/peer.rs. Everything is the provider's own code except the interaction: the "user" (a test
// person) logs in and consents at once, as a TestID login does, so no form needs filling.
//
// Usage: node peer.mjs CLIENTS.json   (prints "listening <issuer>" on stdout when ready; port 0 = any free port)
// CLIENTS.json: {"clients": [oidc-provider client metadata, ...], "pid": "24079412372"}
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Provider from 'oidc-provider';

const setup = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const scopes = ['openid', 'profile', 'offline_access', 'krr:user/kontaktinformasjon.read',
  'krr:user/sikkerdigitalpost.read', 'krr:user/spraak.read', 'krr:user/spraak.write'];

const configuration = {
  clients: setup.clients,
  scopes,
  acrValues: ['idporten-loa-substantial', 'idporten-loa-high'],
  claims: { openid: ['sub', 'pid'], profile: ['pid'] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, pid: sub }) }),
  pkce: { required: () => true },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The user agent of the tests submits the provider's own confirmation form (logout=yes).
    },
  },
  ttl: { AccessToken: 120, IdToken: 120, RefreshToken: 3600, Session: 3600, Interaction: 300, Grant: 3600 },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
};

// A free port first: the issuer must name it before the provider is made.
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => resolve(p));
  });
});
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, configuration);

// The interaction: log the test person in (acr substantial, amr TestID) and grant what the client asked.
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: setup.pid, acr: params.acr_values?.split(' ')[0] ?? 'idporten-loa-substantial', amr: ['TestID'] } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, s] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, s.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(to);
});

provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
