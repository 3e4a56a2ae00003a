// SIGKILL in the middle of a campaign email send: the restarted server sends the rest, and no
// address gets the message twice.
//
// Campaign email goes out over SMTP, which has no duplicate check on the receiving side (unlike
// WeCom's enable_duplicate_check for cards), so the one email whose SMTP transaction was open at
// the kill cannot be made exactly-once: the sender cannot know whether the server took it. The
// service marks that send failed ("interrupted") and never sends it again, so the guarantee is:
// every email sent before the kill and every email still queued is delivered exactly once; the
// one in flight is delivered at most once. The two tests below kill the server at each side of
// that open transaction:
//   1. the receiving server has stored the email but its "250 OK" never reached the killed sender
//      (the duplicate case of RFC 1047): every recipient ends up with exactly one email;
//   2. the killed sender never finished handing the email over, so the receiving server discards
//      it (RFC 5321: no responsibility before 250): that one recipient gets none, and its send
//      is stored as failed, not re-sent.
//
// The servers run as processes (as `npm start` does) against the run's shared embedded database
// (a database of this file's own), and the SMTP sink is on loopback. The sink answers each email
// after a short pause, so a send of 48 emails takes several seconds, and it holds one email
// unanswered at a chosen position so the kill lands exactly mid-send. CAMPAIGN_SEND_LEASE_MS is
// short, so the restarted server takes over the dead one's send lock within seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fieldCipher } from '../../server/src/core/crypto/field-cipher.ts';
import { uniqueDbName } from '../helpers/database.ts';
import { startSignedIn, until, type RunningProcess } from '../helpers/process.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp-sink.ts';

type Json = Record<string, any>;

const recipients = 48;
/** how long the sink takes to accept each email */
const acceptMs = 100;
const emailOf = (i: number) => `crash${String(i).padStart(2, '0')}@campaign-crash.test`;

// ---- the SMTP sink ------------------------------------------------------------------------------

interface Mail {
  to: string;
  subject: string;
  sendId: string;
}
/** emails the sink took responsibility for */
const delivered: Mail[] = [];
let arrivals = 0;
/** the email at this arrival is not answered; `keep`: stored first (its 250 is what gets lost) */
let hold: { at: number; keep: boolean; reached: (mail: Mail) => void } | null = null;

/** Stores each email after `acceptMs`, answering 250; holds the `hold` arrival unanswered. */
function receive(received: ReceivedMail, accept: () => void): void {
  const mail = {
    to: received.to,
    subject: /^Subject: (.*)$/m.exec(received.raw)?.[1]?.trim() ?? '',
    sendId: /^X-Kemai-Send: (\S+)$/im.exec(received.raw)?.[1] ?? '',
  };
  arrivals++;
  if (hold && arrivals === hold.at) {
    // never answered: the sender is killed while it waits
    if (hold.keep) delivered.push(mail);
    hold.reached(mail);
    hold = null;
    return;
  }
  setTimeout(() => {
    delivered.push(mail);
    accept();
  }, acceptMs);
}
let sink: SmtpSink;

/** Resolves with the email held unanswered at the `offset`-th arrival from now (within a minute). */
function holdAt(offset: number, keep: boolean): Promise<Mail> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sink received ${arrivals} emails, never the one to hold`)), 60_000);
    hold = {
      at: arrivals + offset,
      keep,
      reached: (mail) => {
        clearTimeout(timer);
        resolve(mail);
      },
    };
  });
}

// ---- the servers ---------------------------------------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), 'kemai-campaign-crash-'));
const dbName = uniqueDbName('kemai_campaign_crash');
const started: RunningProcess[] = [];
let env: Record<string, string> = {};
let client: MongoClient;

beforeAll(async () => {
  sink = await startSmtpSink({ onMail: receive });
  const smtpPort = sink.port;
  env = {
    DATA_DIR: dataDir,
    MONGODB_URI: inject('mongoUri'),
    MONGODB_DB: dbName,
    PORT: '0',
    HOST: '127.0.0.1',
    H5_AUTO_BUILD: 'false',
    PUBLIC_URL: 'http://kemai.test',
    JOBS_PROCESS_EVERY_MS: '300',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_SECURE: 'false',
    SMTP_FROM: 'Kemai <marketing@kemai.test>',
    // the rate is not what this test is about: every email may go in one run
    MAIL_RATE_PER_MINUTE: '1000',
    // a killed sender's lock holds the queue this long (5 minutes by default), and its email in
    // flight is marked failed after twice this; longer than one run here takes (about 7 s)
    CAMPAIGN_SEND_LEASE_MS: '10000',
  };
  client = await MongoClient.connect(inject('mongoUri'));
});

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  await sink?.close();
  await client?.db(dbName).dropDatabase().catch(() => undefined);
  await client?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const { server, base, token } = await startSignedIn(env, started);
  const call = async (path: string, method = 'GET', json?: unknown) => {
    const response = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) }, ...(json ? { body: JSON.stringify(json) } : {}) });
    const body = (await response.json()) as Json;
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}\n${JSON.stringify(server.lines.filter((l) => Number(l.level) >= 50))}`);
    return body;
  };
  return { server, call };
}

async function kill(server: RunningProcess) {
  server.child.kill('SIGKILL');
  expect((await server.exited).signal).toBe('SIGKILL');
}


interface StoredSend {
  _id: ObjectId;
  messageId: ObjectId;
  email: string;
  status: string;
  error: string | null;
}
const sends = () => client.db(dbName).collection<StoredSend>('campaignSends');
/** a message's sends as stored, their addresses decrypted (the server runs on the development keys, as this process does) */
const sendsOf = async (messageId: string) =>
  (await sends().find({ messageId: new ObjectId(messageId) }).toArray()).map((send) => ({ ...send, email: fieldCipher().decrypt(send.email) }));
/** each address's emails of one subject at the sink */
function perRecipient(subject: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of delivered.filter((m) => m.subject === subject)) counts.set(mail.to, (counts.get(mail.to) ?? 0) + 1);
  return counts;
}

let campaignId = '';
/** the first message, and the email of it in flight at the first kill */
let first = { messageId: '', inFlight: null as Mail | null };
let running: Awaited<ReturnType<typeof start>>;

/** The campaign's send counts once nothing is queued or sending any more. */
const sendFinished = (server: { call: (path: string) => Promise<Json> }, what: string) =>
  until(
    what,
    async () => {
      const s = (await server.call(`/api/campaigns/${campaignId}/results`)).sends as Record<string, number>;
      return !s.queued && !s.sending ? s : null;
    },
    150_000,
  );

describe('a campaign email send whose server is killed mid-send', () => {
  it('SIGKILL mid-campaign-send: resumed exactly once on restart', async () => {
    const a = await start();
    const customerIds: string[] = [];
    for (let i = 0; i < recipients; i++) {
      const customer = await a.call('/api/customers', 'POST', { type: 'company', name: `邮件续发${String(i).padStart(2, '0')}号科技有限公司`, industry: '教育', source: '官网', email: emailOf(i) });
      customerIds.push(customer.id as string);
    }
    campaignId = (await a.call('/api/campaigns', 'POST', { name: '崩溃续发活动', type: '邮件', startOn: '2026-06-01', endOn: '2026-06-30' })).id as string;
    expect(await a.call(`/api/campaigns/${campaignId}/participants`, 'POST', { customerIds })).toEqual({ invited: recipients, already: 0 });

    // the sink stores the 17th email but its 250 never reaches the sender: killed while it waits
    const held = holdAt(17, true);
    const queuedAt = Date.now();
    const message = await a.call(`/api/campaigns/${campaignId}/messages`, 'POST', { subject: 'crash-resume-1', body: 'Welcome: https://expo.example.cn/crash' });
    expect(message).toMatchObject({ queued: recipients, skipped: 0 });
    const inFlight = await held;
    await kill(a.server);
    first = { messageId: message.messageId as string, inFlight };
    const beforeKill = delivered.length;
    expect(beforeKill).toBe(17);
    expect(beforeKill).toBeLessThan(recipients);
    console.log(`killed after ${Date.now() - queuedAt} ms with ${beforeKill} of ${recipients} emails delivered`);

    const restartedAt = Date.now();
    running = await start();
    const status = await sendFinished(running, 'the send to finish');
    console.log(`finished ${Date.now() - restartedAt} ms after the restart began`);

    // at the sink: each recipient exactly once, the one in flight at the kill included
    const counts = perRecipient('crash-resume-1');
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(recipients);
    expect([...counts.keys()].sort()).toEqual(Array.from({ length: recipients }, (_, i) => emailOf(i)).sort());
    expect(new Set(delivered.filter((m) => m.subject === 'crash-resume-1').map((m) => m.sendId)).size).toBe(recipients);

    // stored: every email the sender saw accepted is sent; the one whose answer was lost is
    // "failed: interrupted" (outcome unknown to the sender), and was not sent again
    expect(status).toEqual({ sent: recipients - 1, failed: 1 });
    const stored = await sendsOf(first.messageId);
    expect(stored).toHaveLength(recipients);
    const failed = stored.filter((s) => s.status === 'failed');
    expect(failed.map((s) => [s._id.toHexString(), s.email, s.error])).toEqual([[inFlight.sendId, inFlight.to, expect.stringContaining('interrupted')]]);
    // every other email the sink holds is a send stored as sent, and the other way round
    const sentIds = stored.filter((s) => s.status === 'sent').map((s) => s._id.toHexString()).sort();
    expect(delivered.filter((m) => m.subject === 'crash-resume-1' && m.sendId !== inFlight.sendId).map((m) => m.sendId).sort()).toEqual(sentIds);
  }, 300_000);

  it('an email the killed server had not handed over is not sent again: at most once', async () => {
    // a second message to the same participants, from the restarted server, killed in turn
    const deliveredBefore = delivered.length;
    const held = holdAt(9, false);
    const message = await running.call(`/api/campaigns/${campaignId}/messages`, 'POST', { subject: 'crash-resume-2', body: 'See you there.' });
    expect(message).toMatchObject({ queued: recipients, skipped: 0 });
    const inFlight = await held;
    await kill(running.server);
    expect(delivered.length - deliveredBefore).toBe(8);

    const third = await start();
    const status = await sendFinished(third, 'the second send to finish');
    const counts = perRecipient('crash-resume-2');
    // the email in flight never reached the sink and is not sent again; every other exactly once
    expect(counts.has(inFlight.to)).toBe(false);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(recipients - 1);
    expect(status).toEqual({ sent: 2 * recipients - 2, failed: 2 });
    // stored: the email in flight is failed (interrupted), the rest sent, as the sink saw them
    const stored = await sendsOf(message.messageId as string);
    expect(stored.filter((s) => s.status === 'failed').map((s) => [s._id.toHexString(), s.email, s.error])).toEqual([[inFlight.sendId, inFlight.to, expect.stringContaining('interrupted')]]);
    expect(delivered.filter((m) => m.subject === 'crash-resume-2').map((m) => m.sendId).sort()).toEqual(stored.filter((s) => s.status === 'sent').map((s) => s._id.toHexString()).sort());
    // and the first message is as the first test left it: nothing of it sent again
    expect(perRecipient('crash-resume-1').size).toBe(recipients);
    expect(delivered.filter((m) => m.subject === 'crash-resume-1')).toHaveLength(recipients);
    expect((await sendsOf(first.messageId)).filter((s) => s.status === 'failed').map((s) => s.email)).toEqual([first.inFlight!.to]);

    third.server.child.kill('SIGTERM');
    expect((await third.server.exited).code).toBe(0);
  }, 300_000);
});
