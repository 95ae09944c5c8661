/**
 * A TLS endpoint in front of the run's plaintext dev server, as a secured cluster or Temporal Cloud
 * would present one: its own CA (made with openssl for the test), a server certificate for
 * 127.0.0.1, client certificates required (mTLS), ALPN h2. Bytes are relayed to the dev server
 * once the handshake succeeds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

export interface TestCertificates {
  /** The CA that signed the server and client certificates. */
  ca: string;
  /** A CA that signed nothing here: trusting it must fail. */
  wrongCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Writes a CA, a server and a client certificate (ECDSA P-256, valid two days) and an unrelated CA into `dir`. */
export function makeCertificates(dir: string): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, cn: string) =>
    openssl([
      'req', '-x509', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '2',
      '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]); // prettier-ignore
  const leaf = (name: string, cn: string, ext: string, serial: string) => {
    writeFileSync(file(`${name}.ext`), ext);
    openssl(['req', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`]);
    openssl([
      'x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-set_serial', serial, '-days', '2', '-out', file(`${name}.pem`), '-extfile', file(`${name}.ext`),
    ]); // prettier-ignore
  };
  ca('ca', 'portflow test CA');
  ca('wrong-ca', 'some other CA');
  leaf(
    'server',
    'localhost',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
    '1001'
  );
  leaf(
    'client',
    'portflow worker',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
    '1002'
  );
  return {
    ca: file('ca.pem'),
    wrongCa: file('wrong-ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}

export interface TlsTerminator {
  /** `127.0.0.1:<port>`, for TEMPORAL_ADDRESS. */
  address: string;
  /** Handshakes that succeeded (client certificate verified). */
  readonly accepted: number;
  /** Handshakes that failed, with the reason the server saw. */
  readonly refused: string[];
  stop(): Promise<void>;
}

/** Listens on 127.0.0.1 (any free port) and relays verified connections to `upstream` (`host:port`). */
export async function startTlsTerminator(upstream: string, certs: TestCertificates): Promise<TlsTerminator> {
  const [host, port] = [
    upstream.slice(0, upstream.lastIndexOf(':')),
    Number(upstream.slice(upstream.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const refused: string[] = [];
  const server = tls.createServer(
    {
      key: readFileSync(certs.serverKey),
      cert: readFileSync(certs.serverCert),
      ca: readFileSync(certs.ca),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      accepted++;
      const relay = net.connect(port, host);
      sockets.add(socket).add(relay);
      socket.pipe(relay).pipe(socket);
      const end = () => {
        socket.destroy();
        relay.destroy();
      };
      socket.on('error', end).on('close', end);
      relay.on('error', end).on('close', end);
      socket.on('close', () => sockets.delete(socket));
      relay.on('close', () => sockets.delete(relay));
    }
  );
  server.on('tlsClientError', (err) => refused.push(err.message));
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    address,
    get accepted() {
      return accepted;
    },
    refused,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
