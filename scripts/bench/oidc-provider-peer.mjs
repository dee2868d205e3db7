// The certified OpenID provider (npm `oidc-provider`), set up to issue RS256 JWT access tokens by client
// credentials: the peer the emulator's token endpoint is measured beside. Usage: node oidc-provider-peer.mjs PORT
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 8090);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{ client_id: 'bench', client_secret: 'bench-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
      getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
