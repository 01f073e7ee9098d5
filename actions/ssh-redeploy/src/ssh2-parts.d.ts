// The two parts of ssh2 the action uses, loaded by their paths (see loadSsh2 in ssh.ts): ssh2's
// index also loads its HTTP agents, and with them Node's http, https and tls, which the action
// never uses. Typed from @types/ssh2's declarations of the same objects.
declare module 'ssh2/lib/client.js' {
  import type { Client } from 'ssh2';
  const client: typeof Client;
  export = client;
}

declare module 'ssh2/lib/protocol/keyParser.js' {
  import type { utils } from 'ssh2';
  export const parseKey: typeof utils.parseKey;
}
