// OpenVPN's management interface: what its lines mean, and how the action judges a connection
// attempt from them. Pure: the socket is handled in openvpn.ts.

export type ManagementEvent =
  | {
      type: 'state';
      state: string;
      reason: string;
      localIp: string;
      remoteIp: string;
      remotePort: string;
    }
  | { type: 'log'; flags: string; message: string }
  | { type: 'password'; message: string }
  | { type: 'fatal'; message: string }
  | { type: 'hold'; message: string }
  | { type: 'other'; line: string };

/** One line from the socket, without its line ending. */
export function parseManagementLine(line: string): ManagementEvent {
  const notification = /^>([A-Z-]+):(.*)$/.exec(line);
  if (!notification) return { type: 'other', line };
  const [, kind, body] = notification;
  switch (kind) {
    case 'STATE': {
      // time,state,reason,local ip,remote ip,remote port,local addr,local port,local ipv6
      const [, state = '', reason = '', localIp = '', remoteIp = '', remotePort = ''] =
        body.split(',');
      return { type: 'state', state, reason, localIp, remoteIp, remotePort };
    }
    case 'LOG': {
      // time,flags,message; the message may itself hold commas.
      const first = body.indexOf(',');
      const second = body.indexOf(',', first + 1);
      if (first < 0 || second < 0) return { type: 'log', flags: '', message: body };
      return { type: 'log', flags: body.slice(first + 1, second), message: body.slice(second + 1) };
    }
    case 'PASSWORD':
      return { type: 'password', message: body };
    case 'FATAL':
      return { type: 'fatal', message: body };
    case 'HOLD':
      return { type: 'hold', message: body };
    default:
      return { type: 'other', line };
  }
}

/**
 * The options of a PUSH_REPLY that OpenVPN logged (`PUSH: Received control message:
 * 'PUSH_REPLY,route 10.0.0.0 255.0.0.0,dhcp-option DNS 10.0.0.1'`); none for other lines.
 */
export function pushedOptions(message: string): string[] {
  const reply = /^PUSH: Received control message: '(PUSH_REPLY,.*?)'?$/.exec(message.trim());
  if (!reply) return [];
  return reply[1]
    .split(',')
    .slice(1)
    .map((option) => option.trim())
    .filter((option) => option !== '' && !option.startsWith('push-continuation'));
}

export type Outcome =
  | { kind: 'connected'; localIp: string; remote: string; withErrors: boolean }
  | { kind: 'failed'; message: string };

/** Log lines that explain a failure better than the state does. */
const PROBLEM =
  /VERIFY (?:KU |EKU |X509NAME )?ERROR|TLS Error|TLS_ERROR|OpenSSL: error|AUTH_FAILED|Connection refused|Cannot resolve|RESOLVE:|Network is unreachable|No route to host|Options error|Exiting due to fatal error|Cannot load|cannot open|Error opening/i;

/**
 * Follows a connection attempt event by event: it ends at CONNECTED, or at the first sign that
 * waiting longer cannot help (credentials refused, a TLS failure, OpenVPN exiting).
 */
export class ConnectionProgress {
  lastState = 'CONNECTING';
  lastReason = '';
  /** The tun/tap device OpenVPN opened, from its log. */
  device?: string;
  /** The options the server pushed, from its log (verb 3 and up), each once. */
  pushed: string[] = [];
  private problems: string[] = [];

  handle(event: ManagementEvent): Outcome | undefined {
    switch (event.type) {
      case 'log': {
        const opened = /^TUN\/TAP device (\S+) opened/.exec(event.message);
        if (opened) this.device = opened[1];
        for (const option of pushedOptions(event.message)) {
          if (!this.pushed.includes(option)) this.pushed.push(option);
        }
        if (PROBLEM.test(event.message) && !event.message.startsWith('MANAGEMENT:')) {
          this.problems.push(event.message.trim());
        }
        return undefined;
      }
      case 'state':
        return this.handleState(event);
      case 'password':
        return this.handlePassword(event.message);
      case 'fatal':
        return { kind: 'failed', message: `OpenVPN stopped: ${event.message}` };
      default:
        return undefined;
    }
  }

  /** What the log said went wrong most recently, for a timeout's message. */
  lastProblem(): string | undefined {
    return this.problems.at(-1);
  }

  private handleState(event: Extract<ManagementEvent, { type: 'state' }>): Outcome | undefined {
    this.lastState = event.state;
    this.lastReason = event.reason;
    if (event.state === 'CONNECTED') {
      return {
        kind: 'connected',
        localIp: event.localIp,
        remote: event.remotePort ? `${event.remoteIp}:${event.remotePort}` : event.remoteIp,
        withErrors: event.reason === 'ERROR',
      };
    }
    if (event.reason === 'auth-failure') return authFailure();
    if (event.reason === 'tls-error') return this.tlsFailure();
    if (event.state === 'EXITING') {
      const detail = this.lastProblem();
      return {
        kind: 'failed',
        message: `OpenVPN exited before connecting (${event.reason || 'no reason given'})${detail ? `: ${detail}` : ''}.`,
      };
    }
    return undefined;
  }

  private handlePassword(message: string): Outcome | undefined {
    if (/^Verification Failed: 'Auth'/.test(message)) return authFailure();
    if (/^Verification Failed: 'Private Key'/.test(message)) {
      return {
        kind: 'failed',
        message: "The client key could not be decrypted: check 'key-passphrase'.",
      };
    }
    if (/^Need 'Auth'/.test(message)) {
      return {
        kind: 'failed',
        message:
          "The server asks for a username and password, and none were given: set 'username' and 'password'.",
      };
    }
    if (/^Need 'Private Key'/.test(message)) {
      return {
        kind: 'failed',
        message: "The client key is encrypted: set 'key-passphrase'.",
      };
    }
    if (/^Need '/.test(message)) {
      return {
        kind: 'failed',
        message: `OpenVPN asks for something the action cannot type in (${message.replace(/^Need /, '')}): put it in the config.`,
      };
    }
    return undefined;
  }

  private tlsFailure(): Outcome {
    const detail =
      this.problems.find((line) => /VERIFY .*ERROR/.test(line)) ??
      this.problems.find((line) => /alert|OpenSSL: error/i.test(line)) ??
      this.lastProblem() ??
      'no detail in the log';
    return {
      kind: 'failed',
      message: `The TLS handshake with the server failed: ${detail}. ${tlsHint(detail)}`,
    };
  }
}

function authFailure(): Outcome {
  return {
    kind: 'failed',
    message:
      "The server refused the username and password (AUTH_FAILED): check 'username' and 'password' (or the config's auth-user-pass).",
  };
}

function tlsHint(detail: string): string {
  if (/VERIFY (?:KU |EKU )ERROR/.test(detail)) {
    return "The server's certificate is not meant for a VPN server (key usage): check 'remote-cert-tls' in the config and the server's certificate.";
  }
  if (/VERIFY X509NAME ERROR/.test(detail)) {
    return "The server's certificate has another name than 'verify-x509-name' expects.";
  }
  if (/VERIFY ERROR/.test(detail)) {
    return "The server's certificate is not signed by the CA this client trusts: check 'ca' (or the config's ca).";
  }
  if (/unknown ca|bad certificate|certificate unknown|certificate required/i.test(detail)) {
    return "The server refused this client's certificate: check 'cert' and 'key', and that the server trusts their CA.";
  }
  if (/expired/i.test(detail)) return 'A certificate has expired.';
  return 'Check the CA, certificate and key, and any tls-auth or tls-crypt key.';
}
