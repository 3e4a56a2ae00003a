// A mail server on loopback for the tests that send email. It hands each message to the test as it
// arrives and answers "250" only when the test accepts it, so a test can hold an answer back (the
// sender is killed while it waits) or refuse a recipient for good, as receiving servers do.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** the envelope's recipients, comma-joined */
  to: string;
  raw: string;
}

export interface SmtpSink {
  port: number;
  close(): Promise<void>;
}

export async function startSmtpSink(options: {
  onMail: (mail: ReceivedMail, accept: () => void) => void;
  /** recipients answered "550 mailbox unavailable" */
  refuses?: (address: string) => boolean;
}): Promise<SmtpSink> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.refuses?.(address.address)) return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = { to: session.envelope.rcptTo.map((r) => r.address).join(','), raw: Buffer.concat(chunks).toString('utf8') };
        options.onMail(mail, () => callback());
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
