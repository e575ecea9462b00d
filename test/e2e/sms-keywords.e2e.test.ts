import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { VonageInboundClient, vonageSignature } from '../fakes/vonage-inbound.js';
import { createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';

const SECRET = 'vonage-signature-secret-0123456789';
const SHARED = '+447700900123';
const OTHER = '+447700900456';
const WEBHOOK = '/v1/inbound/vonage/sms';

async function setup(t: TestContext, method: 'sha256' | 'md5hash' = 'sha256') {
  const fakes = await startProviderFakes(t);
  const { api, baseUrl } = await startApp(t, {
    ...fakes.env,
    VONAGE_SIGNATURE_SECRET: SECRET,
    ...(method === 'md5hash' ? {} : { VONAGE_SIGNATURE_METHOD: method }),
    LOG_LEVEL: 'error',
  });
  // Registered a moment before the first message: the lookup waits for the recipients read model to catch up.
  await createUser(api, 'ada', { email: 'ada@example.com', phone: SHARED });
  await createUser(api, 'bob', { email: 'bob@example.com', phone: SHARED });
  await createUser(api, 'cyd', { email: 'cyd@example.com', phone: OTHER });
  return { api, fakes, vonage: new VonageInboundClient(`${baseUrl}${WEBHOOK}`, SECRET, method) };
}

const digits = (phone: string) => phone.slice(1);
const smsSwitch = async (api: Api, userId: string) => (await api.get(`/v1/users/${userId}`)).body.preferences.channels.sms as boolean;
const preferenceEvents = async (api: Api, userId: string) =>
  ((await api.get(`/v1/users/${userId}/timeline`)).body.events as { type: string; metadata: Record<string, unknown>; changedBy?: unknown }[]).filter((e) => e.type === 'PreferencesUpdated');
const inboundStream = async (api: Api, phone: string) => {
  const res = await api.get(`/v1/audit/streams/inboundsms-${digits(phone)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.events as { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
};

const notify = async (api: Api, userId: string) => {
  const res = await api.post('/v1/notifications', { userId, category: 'orders', channels: ['sms', 'email'], content: { text: `Order shipped ${Math.random()}`, subject: 'Shipped' } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return notificationFinished(api, res.body.notificationId);
};

describe('SMS keywords through the Vonage inbound webhook', () => {
  it('STOP opts out every user of the phone: their next SMS is suppressed as opted out, email still goes; audit says who and how', async (t) => {
    const { api, fakes, vonage } = await setup(t);
    const stop = vonage.params({ msisdn: digits(SHARED), text: ' stop\n' });
    const res = await vonage.send(stop);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { messageId: stop.messageId, keyword: 'STOP', action: 'opt_out', replay: false, recipients: 2, changed: 2 });
    assert.equal(await smsSwitch(api, 'ada'), false);
    assert.equal(await smsSwitch(api, 'bob'), false);
    assert.equal(await smsSwitch(api, 'cyd'), true, 'another phone’s user is untouched');

    const smsBefore = fakes.vonage.requests.length;
    for (const userId of ['ada', 'bob']) {
      const view = await notify(api, userId);
      assert.deepEqual(view.suppressed, [{ channel: 'sms', reason: 'opted_out', detail: { level: 'channel', category: 'orders' } }]);
      assert.deepEqual(view.deliveries.map((d: { channel: string; status: string }) => [d.channel, d.status]), [['email', 'sent']]);
      const explained = (await api.get(`/v1/notifications/${view.notificationId}/explain`)).body;
      const sms = explained.channels.find((c: { channel: string }) => c.channel === 'sms');
      assert.equal(sms.reason, 'opted_out');
      assert.deepEqual(sms.preferencesChangedBy, { source: 'sms-keyword', keyword: 'STOP', messageId: stop.messageId });
    }
    assert.equal(fakes.vonage.requests.length, smsBefore, 'no SMS went to the opted-out phone');
    assert.equal((await notify(api, 'cyd')).deliveries.length, 2);

    const [change] = await preferenceEvents(api, 'ada');
    assert.deepEqual(change!.changedBy, { source: 'sms-keyword', keyword: 'STOP', messageId: stop.messageId });
    assert.equal(change!.metadata.causationId, stop.messageId);
    assert.equal(change!.metadata.source, 'sms-keyword');
    assert.equal(change!.metadata.appKey, undefined, 'no service asked');

    const [received] = await inboundStream(api, SHARED);
    assert.equal(received!.type, 'InboundSmsReceived');
    assert.deepEqual(
      { ...received!.data, receivedAt: typeof received!.data.receivedAt },
      { messageId: stop.messageId, phone: SHARED, to: stop.to, text: ' stop\n', keyword: 'STOP', action: 'opt_out', userIds: ['ada', 'bob'], sentAt: `${stop['message-timestamp']!.replace(' ', 'T')}.000Z`, receivedAt: 'string' },
    );
  });

  it('START and UNSTOP opt back in; HELP and other text are recorded and change nothing', async (t) => {
    const { api, vonage } = await setup(t);
    assert.equal((await vonage.sms({ msisdn: digits(SHARED), text: 'QUIT' })).body.changed, 2);
    const help = await vonage.sms({ msisdn: digits(SHARED), text: 'Help' });
    assert.deepEqual({ ...help.body, messageId: undefined }, { messageId: undefined, keyword: 'HELP', action: 'help', replay: false, recipients: 2, changed: 0 });
    const chat = await vonage.sms({ msisdn: digits(SHARED), text: 'stop sending me offers' });
    assert.deepEqual({ keyword: chat.body.keyword, action: chat.body.action, changed: chat.body.changed }, { keyword: null, action: 'none', changed: 0 });
    assert.equal(await smsSwitch(api, 'ada'), false, 'neither HELP nor a sentence changed anything');

    const start = await vonage.sms({ msisdn: digits(SHARED), text: 'start' });
    assert.deepEqual({ keyword: start.body.keyword, action: start.body.action, changed: start.body.changed }, { keyword: 'START', action: 'opt_in', changed: 2 });
    assert.equal(await smsSwitch(api, 'ada'), true);
    assert.equal(await smsSwitch(api, 'bob'), true);
    assert.deepEqual((await notify(api, 'ada')).deliveries.map((d: { channel: string; status: string }) => [d.channel, d.status]).sort(), [['email', 'sent'], ['sms', 'sent']]);

    assert.equal((await vonage.sms({ msisdn: digits(SHARED), text: 'STOP' })).body.changed, 2);
    assert.equal((await vonage.sms({ msisdn: digits(SHARED), text: 'UNSTOP' })).body.changed, 2);
    const recorded = (await inboundStream(api, SHARED)).map((e) => [e.data.keyword, e.data.action]);
    assert.deepEqual(recorded, [['QUIT', 'opt_out'], ['HELP', 'help'], [null, 'none'], ['START', 'opt_in'], ['STOP', 'opt_out'], ['UNSTOP', 'opt_in']]);
    assert.deepEqual((await preferenceEvents(api, 'bob')).map((e) => (e.changedBy as { keyword: string }).keyword), ['QUIT', 'START', 'STOP', 'UNSTOP']);
  });

  it('a replayed message id records nothing and changes nothing twice; a late retry of a STOP does not undo the START after it', async (t) => {
    const { api, vonage } = await setup(t);
    const stop = vonage.params({ msisdn: digits(SHARED), text: 'STOP' });
    assert.equal((await vonage.send(stop)).body.changed, 2);
    const again = await vonage.send(stop, 'form');
    assert.equal(again.status, 200);
    assert.deepEqual({ replay: again.body.replay, changed: again.body.changed, keyword: again.body.keyword }, { replay: true, changed: 0, keyword: 'STOP' });
    assert.equal((await inboundStream(api, SHARED)).length, 1);
    assert.equal((await preferenceEvents(api, 'ada')).length, 1);

    assert.equal((await vonage.sms({ msisdn: digits(SHARED), text: 'START' })).body.changed, 2);
    const late = await vonage.send({ ...stop, timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'a-later-delivery', sig: '' } as Record<string, string>);
    assert.equal(late.status, 403, 'a retry is signed anew by Vonage; one that is not is refused');
    const resigned = { ...stop, timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'a-later-delivery' };
    const retried = await vonage.send({ ...resigned, sig: vonageSignature(resigned, SECRET, 'sha256') });
    assert.deepEqual({ replay: retried.body.replay, changed: retried.body.changed }, { replay: true, changed: 0 });
    assert.equal(await smsSwitch(api, 'ada'), true, 'the START sent after it stands');
    assert.equal((await inboundStream(api, SHARED)).length, 2);
  });

  it('an unsigned, wrongly signed, tampered or stale request is refused with 403 and changes nothing', async (t) => {
    const { api, vonage } = await setup(t);
    const signed = vonage.params({ msisdn: digits(SHARED), text: 'STOP' });
    const cases: [string, Record<string, string>, string][] = [
      ['unsigned', vonage.params({ msisdn: digits(SHARED), text: 'STOP' }, { sign: false }), 'signature_missing'],
      ['signed with another secret', { ...signed, sig: vonageSignature(signed, 'not-the-secret', 'sha256') }, 'signature_invalid'],
      ['signed by another method', { ...signed, sig: vonageSignature(signed, SECRET, 'sha512') }, 'signature_invalid'],
      ['its text changed after signing', { ...signed, text: 'START' }, 'signature_invalid'],
      ['its sender changed after signing', { ...signed, msisdn: digits(OTHER) }, 'signature_invalid'],
      ['signed ten minutes ago', vonage.params({ msisdn: digits(SHARED), text: 'STOP', timestamp: Math.floor(Date.now() / 1000) - 600 }), 'signature_stale'],
      ['signed ten minutes ahead', vonage.params({ msisdn: digits(SHARED), text: 'STOP', timestamp: Math.floor(Date.now() / 1000) + 600 }), 'signature_stale'],
    ];
    for (const [what, params, code] of cases) {
      for (const as of ['json', 'form', 'get'] as const) {
        const res = await vonage.send(params, as);
        assert.equal(res.status, 403, `${what} (${as}): ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, code, what);
        assert.equal(res.body.statusCode, 403);
        assert.equal(typeof res.body.message, 'string');
      }
    }
    for (const userId of ['ada', 'bob', 'cyd']) {
      assert.equal(await smsSwitch(api, userId), true);
      assert.deepEqual(await preferenceEvents(api, userId), []);
    }
    for (const phone of [SHARED, OTHER]) assert.deepEqual(await inboundStream(api, phone), []);

    const nested = await vonage.send({ ...signed, text: { nested: 'STOP' } } as unknown as Record<string, string>);
    assert.equal(nested.status, 400);
    assert.deepEqual(nested.body.errors, [{ field: 'text', messages: ['text must be a string'] }]);
  });

  it('a signed request lacking a field is 400 naming it; a sender with no user is recorded and changes nothing', async (t) => {
    const { api, vonage } = await setup(t);
    const { msisdn: _msisdn, messageId: _id, ...rest } = vonage.params({ msisdn: digits(SHARED), text: 'STOP' }, { sign: false });
    const res = await vonage.send({ ...rest, sig: vonageSignature(rest, SECRET, 'sha256') });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), ['messageId', 'msisdn']);

    const stranger = await vonage.sms({ msisdn: '447700900999', text: 'STOP' });
    assert.deepEqual({ recipients: stranger.body.recipients, changed: stranger.body.changed }, { recipients: 0, changed: 0 });
    assert.equal((await inboundStream(api, '+447700900999')).length, 1);
  });

  it('takes a form or a query string too, signed by Vonage’s default method (MD5 hash)', async (t) => {
    const { api, vonage } = await setup(t, 'md5hash');
    const stop = await vonage.sms({ msisdn: digits(SHARED), text: 'Stop' }, 'form');
    assert.equal(stop.status, 200, JSON.stringify(stop.body));
    assert.equal(stop.body.changed, 2);
    const start = await vonage.sms({ msisdn: `${SHARED}`.slice(1), text: 'start' }, 'get');
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.changed, 2);
    assert.equal(await smsSwitch(api, 'bob'), true);
  });

  it('without VONAGE_SIGNATURE_SECRET the webhook is off: 404, nothing recorded', async (t) => {
    const fakes = await startProviderFakes(t);
    const { api, baseUrl } = await startApp(t, { ...fakes.env, LOG_LEVEL: 'error' });
    await createUser(api, 'ada', { phone: SHARED });
    const vonage = new VonageInboundClient(`${baseUrl}${WEBHOOK}`, SECRET, 'md5hash');
    for (const as of ['json', 'form', 'get'] as const) {
      const res = await vonage.sms({ msisdn: digits(SHARED), text: 'STOP' }, as);
      assert.equal(res.status, 404);
      assert.equal(res.body.message, 'inbound SMS is not configured');
    }
    assert.equal(await smsSwitch(api, 'ada'), true);
    assert.deepEqual(await inboundStream(api, SHARED), []);
  });
});
