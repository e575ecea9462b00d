/**
 * An in-memory EventStoreDB single node that speaks the real gRPC protocol, built from the
 * service definitions and message classes `@eventstore/db-client` ships, so the client and the
 * adapter run unchanged against it. It serves what the client calls: ServerFeatures (which makes
 * the client append through Streams.BatchAppend, as it does against 21.10+ servers),
 * Streams.Append, Streams.Read (stream and $all reads, subscriptions with server-side filters)
 * and Gossip.Read (for `esdb+discover://`). Everything else answers UNIMPLEMENTED, which is what
 * the client gets from a server without that API. Authentication and ACLs are not enforced.
 *
 * `crash()` and `recover()` make the node go away and come back on the same port with its data,
 * as a restarted server does (writing a new epoch).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import grpc from '@grpc/grpc-js';
import { ANY, FakeLog, NO_STREAM, STREAM_EXISTS, type AllStart, type AppendResult, type LogEvent, type ProposedEvent, type StreamStart, type TfPos } from './eventstoredb-fake-log.js';
import { READ_BATCH_SIZE, subscribeToAll, subscribeToStream, type AllFilter, type SubscriptionSink } from './eventstoredb-fake-subscriptions.js';

// The client's generated modules are CommonJS that ESM cannot import by name; these are the very
// instances the client serialises with.
const require = createRequire(import.meta.url);
const generated = (name: string) => `@eventstore/db-client/generated/${name}.js`;
const streamsPb = require(generated('streams_pb')) as typeof import('@eventstore/db-client/generated/streams_pb.js');
const sharedPb = require(generated('shared_pb')) as typeof import('@eventstore/db-client/generated/shared_pb.js');
const statusPb = require(generated('status_pb')) as typeof import('@eventstore/db-client/generated/status_pb.js');
const featuresPb = require(generated('serverfeatures_pb')) as typeof import('@eventstore/db-client/generated/serverfeatures_pb.js');
const gossipPb = require(generated('gossip_pb')) as typeof import('@eventstore/db-client/generated/gossip_pb.js');
const { StreamsService } = require(generated('streams_grpc_pb')) as typeof import('@eventstore/db-client/generated/streams_grpc_pb.js');
const { ServerFeaturesService } = require(generated('serverfeatures_grpc_pb')) as typeof import('@eventstore/db-client/generated/serverfeatures_grpc_pb.js');
const { GossipService } = require(generated('gossip_grpc_pb')) as typeof import('@eventstore/db-client/generated/gossip_grpc_pb.js');
const { Any } = require('google-protobuf/google/protobuf/any_pb.js') as typeof import('google-protobuf/google/protobuf/any_pb.js');
const { Empty } = require('google-protobuf/google/protobuf/empty_pb.js') as typeof import('google-protobuf/google/protobuf/empty_pb.js');

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type Uuid = InstanceType<typeof sharedPb.UUID>;
const { ReadReq, ReadResp, AppendReq, AppendResp, BatchAppendResp } = streamsPb;

/** The server's defaults: 1 MiB per append (--max-append-size). */
const MAX_APPEND_SIZE = 1_048_576;
const SERVER_VERSION = '24.10.0';

export interface EventStoreDbFakeOptions {
  /** Serve TLS with this certificate (its file doubles as the CA the client trusts). */
  tls?: { certPath: string; keyPath: string };
  /** Advertise Streams.BatchAppend (default), or not, as a pre-21.10 server, so the client uses Streams.Append. */
  batchAppend?: boolean;
}

export interface EventStoreDbFake {
  /** An `esdb://` connection string for this node. */
  readonly url: string;
  readonly port: number;
  /** The node's storage, for assertions. */
  readonly log: FakeLog;
  /** Every subscription asked of the node, in order: which stream, and after what. */
  readonly subscriptions: { stream: string; from: AllStart | StreamStart }[];
  /** The node goes away: open calls end with UNAVAILABLE, connections drop, the port closes. */
  crash(): Promise<void>;
  /** The node comes back on the same port with its data, writing a new epoch like any restart. */
  recover(): Promise<void>;
  /** Ends every open call with CANCELLED and stays up, as a node cancels long-running calls when it shuts down gracefully. */
  cancelOpenCalls(): void;
  /** crash(), then recover() after `downMs`. */
  restart(downMs?: number): Promise<void>;
  /** Shuts down for good. */
  stop(): Promise<void>;
}

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    details: string,
    readonly metadata?: grpc.Metadata,
  ) {
    super(details);
  }
}

const trailers = (entries: Record<string, string>) => {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
};
const toServiceError = (error: unknown): Partial<grpc.ServiceError> =>
  error instanceof RpcError
    ? { code: error.code, details: error.message, metadata: error.metadata }
    : { code: grpc.status.UNKNOWN, details: `Exception was thrown by handler. ${String(error)}` };

// --- conversions between the wire messages and the log ---

function parseUuid(uuid: Uuid | undefined): string {
  if (uuid?.hasStructured()) {
    const s = uuid.getStructured()!;
    const hex = (v: string) => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
    const h = hex(s.getMostSignificantBits()) + hex(s.getLeastSignificantBits());
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  // The server parses ids into a Guid: any of .NET's formats goes in, lowercase D format comes out.
  const hex = (uuid?.getString() ?? '').replace(/^\{(.*)\}$/, '$1').replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unrecognized Guid format: ${uuid?.getString() ?? ''}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toUuid(id: string, asString: boolean): Uuid {
  const uuid = new sharedPb.UUID();
  if (asString) return uuid.setString(id);
  const hex = id.replaceAll('-', '');
  const signed = (h: string) => BigInt.asIntN(64, BigInt(`0x${h}`)).toString();
  return uuid.setStructured(new sharedPb.UUID.Structured().setMostSignificantBits(signed(hex.slice(0, 16))).setLeastSignificantBits(signed(hex.slice(16))));
}

const streamName = (identifier: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
const streamIdentifier = (name: string) => new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));

interface ProposedMessage {
  getId(): Uuid | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

function toProposed(message: ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  if (type === undefined || contentType === undefined) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, `Required Metadata Property '${type === undefined ? 'type' : 'content-type'}' is missing`, trailers({
      exception: 'missing-required-metadata-property',
      'required-metadata-properties': 'type,content-type',
    }));
  }
  // Only "is it JSON" is stored; any other content type reads back as octet-stream.
  return { id: parseUuid(message.getId()), type, isJson: contentType === 'application/json', data: message.getData_asU8(), metadata: message.getCustomMetadata_asU8() };
}

const appendSize = (events: ProposedEvent[]) => events.reduce((n, e) => n + e.data.length + e.metadata.length + 2 * e.type.length, 0);

function toReadResp(e: LogEvent, uuidAsString: boolean): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(toUuid(e.id, uuidAsString))
    .setStreamIdentifier(streamIdentifier(e.stream))
    .setStreamRevision(e.revision.toString())
    .setCommitPosition(e.position.toString())
    .setPreparePosition(e.position.toString())
    .setData(e.data)
    .setCustomMetadata(e.metadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', e.type);
  metadata.set('created', e.created.toString());
  metadata.set('content-type', e.isJson ? 'application/json' : 'application/octet-stream');
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(e.position.toString()));
}

// --- the services ---

interface Node {
  log: FakeLog;
  port: number;
  batchAppend: boolean;
  /** Ends every open call with this status; filled by the handlers while calls run. */
  aborts: Set<(error: RpcError) => void>;
  subscriptions: { stream: string; from: AllStart | StreamStart }[];
}

function track(node: Node, abort: (error: RpcError) => void): () => void {
  node.aborts.add(abort);
  return () => node.aborts.delete(abort);
}

function expectedFrom(options: { getAny(): unknown; getNoStream(): unknown; getStreamExists(): unknown }, exact: () => string, exactSet: boolean): bigint {
  if (exactSet) return BigInt(exact());
  if (options.getNoStream()) return NO_STREAM;
  if (options.getStreamExists()) return STREAM_EXISTS;
  if (options.getAny()) return ANY;
  throw new RpcError(grpc.status.INVALID_ARGUMENT, 'expected stream revision is required');
}

function append(node: Node, stream: string, expected: bigint, events: ProposedEvent[]): AppendResult {
  if (appendSize(events) > MAX_APPEND_SIZE) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${MAX_APPEND_SIZE} Exceeded.`, trailers({
      exception: 'maximum-append-size-exceeded',
      'maximum-append-size': String(MAX_APPEND_SIZE),
    }));
  }
  return node.log.append(stream, expected, events);
}

/** Streams.Append: options, then one proposed message per event; one response at the end. */
function appendHandler(node: Node): grpc.handleClientStreamingCall<InstanceType<typeof AppendReq>, InstanceType<typeof AppendResp>> {
  return (call, callback) => {
    let options: InstanceType<typeof AppendReq.Options> | undefined;
    const events: ProposedEvent[] = [];
    let done = false;
    const finish = (error: RpcError | null, response?: InstanceType<typeof AppendResp>) => {
      if (done) return;
      done = true;
      untrack();
      if (error) callback(toServiceError(error));
      else callback(null, response);
    };
    const untrack = track(node, (error) => finish(error));
    call.on('data', (req: InstanceType<typeof AppendReq>) => {
      try {
        if (!options) {
          if (req.getContentCase() !== AppendReq.ContentCase.OPTIONS) throw new RpcError(grpc.status.UNKNOWN, 'Exception was thrown by handler. InvalidOperationException');
          options = req.getOptions()!;
        } else {
          events.push(toProposed(req.getProposedMessage()!));
        }
      } catch (error) {
        finish(error as RpcError);
      }
    });
    call.on('end', () => {
      if (done) return;
      try {
        if (!options) throw new RpcError(grpc.status.UNKNOWN, 'Exception was thrown by handler. InvalidOperationException');
        const expected = expectedFrom(options, () => options!.getRevision(), options.hasRevision());
        const result = append(node, streamName(options.getStreamIdentifier()), expected, events);
        const response = new AppendResp();
        if (result.kind === 'success') {
          const success = new AppendResp.Success();
          if (result.revision < 0n) success.setNoStream(new sharedPb.Empty());
          else success.setCurrentRevision(result.revision.toString());
          if (result.position === null) success.setNoPosition(new sharedPb.Empty());
          else success.setPosition(new AppendResp.Position().setCommitPosition(result.position.toString()).setPreparePosition(result.position.toString()));
          response.setSuccess(success);
        } else {
          const wrong = new AppendResp.WrongExpectedVersion();
          if (result.current < 0n) wrong.setCurrentNoStream(new sharedPb.Empty());
          else wrong.setCurrentRevision(result.current.toString());
          if (expected === ANY) wrong.setExpectedAny(new sharedPb.Empty());
          else if (expected === STREAM_EXISTS) wrong.setExpectedStreamExists(new sharedPb.Empty());
          else if (expected === NO_STREAM) wrong.setExpectedNoStream(new sharedPb.Empty());
          else wrong.setExpectedRevision(expected.toString());
          response.setWrongExpectedVersion(wrong);
        }
        finish(null, response);
      } catch (error) {
        finish(error as RpcError);
      }
    });
  };
}

/** A google.rpc.Status as BatchAppend reports failures, with its typed detail packed in an Any. */
function rpcStatus(code: grpc.status, message: string, detail: { serializeBinary(): Uint8Array }, typeName: string) {
  const details = new Any();
  details.pack(detail.serializeBinary(), `event_store.client.${typeName}`);
  return new statusPb.Status().setCode(code as number).setMessage(message).setDetails(details);
}

function wrongExpectedVersionStatus(current: bigint, expected: bigint) {
  const detail = new sharedPb.WrongExpectedVersion();
  if (current < 0n) detail.setCurrentNoStream(new Empty());
  else detail.setCurrentStreamRevision(current.toString());
  if (expected === ANY) detail.setExpectedAny(new Empty());
  else if (expected === STREAM_EXISTS) detail.setExpectedStreamExists(new Empty());
  else if (expected === NO_STREAM) detail.setExpectedNoStream(new Empty());
  else detail.setExpectedStreamPosition(expected.toString());
  return rpcStatus(grpc.status.ALREADY_EXISTS, 'WrongExpectedVersion', detail, 'WrongExpectedVersion');
}

/**
 * Streams.BatchAppend: one long-lived duplex call per client carrying many appends, each
 * identified by a correlation id and possibly split over several requests (the last is final).
 */
function batchAppendHandler(node: Node): grpc.handleBidiStreamingCall<InstanceType<typeof streamsPb.BatchAppendReq>, InstanceType<typeof BatchAppendResp>> {
  return (call) => {
    const pending = new Map<string, { stream: string; expected: bigint; events: ProposedEvent[] }>();
    const untrack = track(node, (error) => call.emit('error', toServiceError(error)));
    call.on('data', (req: InstanceType<typeof streamsPb.BatchAppendReq>) => {
      const correlationId = req.getCorrelationId();
      const respond = (stream: string, fill: (resp: InstanceType<typeof BatchAppendResp>) => void) => {
        const resp = new BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(streamIdentifier(stream));
        fill(resp);
        call.write(resp);
      };
      const key = parseUuid(correlationId);
      const options = req.getOptions();
      try {
        if (options && !pending.has(key)) {
          const deadline = options.getDeadline();
          if (deadline && deadline.toDate().getTime() <= Date.now()) {
            respond(streamName(options.getStreamIdentifier()), (r) => r.setError(rpcStatus(grpc.status.DEADLINE_EXCEEDED, 'Timeout', new sharedPb.Timeout(), 'Timeout')));
            return;
          }
          const expected = expectedFrom(options, () => options.getStreamPosition(), options.hasStreamPosition());
          pending.set(key, { stream: streamName(options.getStreamIdentifier()), expected, events: [] });
        }
        const write = pending.get(key);
        if (!write) return;
        write.events.push(...req.getProposedMessagesList().map(toProposed));
        if (appendSize(write.events) > MAX_APPEND_SIZE) {
          pending.delete(key);
          const detail = new sharedPb.MaximumAppendSizeExceeded().setMaxappendsize(MAX_APPEND_SIZE);
          respond(write.stream, (r) => r.setError(rpcStatus(grpc.status.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', detail, 'MaximumAppendSizeExceeded')));
          return;
        }
        if (!req.getIsFinal()) return;
        pending.delete(key);
        const result = append(node, write.stream, write.expected, write.events);
        respond(write.stream, (r) => {
          if (result.kind === 'wrong_expected_version') {
            r.setError(wrongExpectedVersionStatus(result.current, write.expected));
            return;
          }
          const success = new BatchAppendResp.Success();
          if (result.revision < 0n) success.setNoStream(new Empty());
          else success.setCurrentRevision(result.revision.toString());
          if (result.position === null) success.setNoPosition(new Empty());
          else success.setPosition(new sharedPb.AllStreamPosition().setCommitPosition(result.position.toString()).setPreparePosition(result.position.toString()));
          r.setSuccess(success);
        });
      } catch (error) {
        pending.delete(key);
        const detail = new sharedPb.BadRequest().setMessage(error instanceof Error ? error.message : String(error));
        respond(streamName(options?.getStreamIdentifier()), (r) => r.setError(rpcStatus(grpc.status.INVALID_ARGUMENT, 'BadRequest', detail, 'BadRequest')));
      }
    });
    // Appends complete as they arrive, so the call can close as soon as the client has finished.
    call.on('end', () => {
      untrack();
      call.end();
    });
    call.on('cancelled', untrack);
  };
}

function allFilter(options: InstanceType<typeof ReadReq.Options>): AllFilter | null {
  if (!options.hasFilter()) return null;
  const filter = options.getFilter()!;
  const expression = filter.hasEventType() ? filter.getEventType()! : filter.getStreamIdentifier()!;
  const field = filter.hasEventType() ? (e: LogEvent) => e.type : (e: LogEvent) => e.stream;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : null;
  const prefixes = expression.getPrefixList();
  const matches = (value: string) => (regex ? regex.test(value) : prefixes.some((p) => value.startsWith(p)));
  // Server-side filters on $all never pass epoch records or persistent-subscription bookkeeping.
  const hidden = (e: LogEvent) =>
    e.stream === '$epoch-information' || (e.stream.startsWith('$persistentsubscription-$all::') && (e.stream.endsWith('-checkpoint') || e.stream.endsWith('-parked')));
  const window = filter.hasMax() ? filter.getMax() : READ_BATCH_SIZE;
  const multiplier = filter.getCheckpointintervalmultiplier();
  if (multiplier <= 0) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'checkpointIntervalMultiplier must be greater than zero');
  return { allows: (e) => !hidden(e) && matches(field(e)), window, interval: multiplier * window };
}

/** Streams.Read: a finite read (count) or a subscription, of one stream or of $all. */
function readHandler(node: Node): grpc.handleServerStreamingCall<ReadReq, ReadResp> {
  return (call) => {
    let ended = false;
    let markEnded!: () => void;
    const endedPromise = new Promise<void>((r) => (markEnded = r));
    const end = (error?: RpcError) => {
      if (ended) return;
      ended = true;
      untrack();
      markEnded();
      if (error) call.emit('error', toServiceError(error));
      else call.end();
    };
    const untrack = track(node, end);
    call.on('cancelled', () => {
      ended = true;
      untrack();
      markEnded();
    });
    const send = async (resp: ReadResp) => {
      if (ended) return;
      if (!call.write(resp)) await Promise.race([new Promise((r) => call.once('drain', r)), endedPromise]);
    };

    const options = call.request.getOptions();
    const run = async () => {
      if (!options) throw new RpcError(grpc.status.INVALID_ARGUMENT, "'options' is a required argument");
      const uuidAsString = options.getUuidOption()?.hasString() ?? false;
      const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
      const allOptions = options.getAll();
      const streamOptions = options.getStream();
      const allStart: AllStart | undefined = allOptions
        ? allOptions.hasPosition()
          ? ({ commit: BigInt(allOptions.getPosition()!.getCommitPosition()), prepare: BigInt(allOptions.getPosition()!.getPreparePosition()) } satisfies TfPos)
          : allOptions.hasEnd() ? 'end' : 'start'
        : undefined;
      const streamStart: StreamStart | undefined = streamOptions
        ? streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : streamOptions.hasEnd() ? 'end' : 'start'
        : undefined;
      if (options.hasSubscription()) {
        if (backwards) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'subscriptions only read forwards');
        const sink: SubscriptionSink = {
          get closed() {
            return ended;
          },
          ended: endedPromise,
          confirm: () => send(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID()))),
          event: (e) => send(toReadResp(e, uuidAsString)),
          checkpoint: (pos) => send(new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(pos.commit.toString()).setPreparePosition(pos.prepare.toString()))),
          caughtUp: () => send(new ReadResp().setCaughtUp(new ReadResp.CaughtUp())),
        };
        if (allStart !== undefined) {
          node.subscriptions.push({ stream: '$all', from: allStart });
          await subscribeToAll(node.log, sink, allStart, allFilter(options));
        } else {
          const name = streamName(streamOptions!.getStreamIdentifier());
          node.subscriptions.push({ stream: name, from: streamStart! });
          await subscribeToStream(node.log, sink, name, streamStart!);
        }
        return;
      }
      const requested = BigInt(options.getCount()); // a uint64; the client sends MAX_SAFE_INTEGER for "all"
      const count = requested > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(requested);
      if (allStart !== undefined) {
        if (options.hasFilter()) throw new RpcError(grpc.status.UNIMPLEMENTED, 'filtered reads of $all are not implemented by the fake');
        for (const e of node.log.readAll(allStart, backwards, count)) await send(toReadResp(e, uuidAsString));
        return;
      }
      const name = streamName(streamOptions!.getStreamIdentifier());
      const events = node.log.readStream(name, streamStart!, backwards, count);
      if (events === null) {
        await send(new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name))));
        return;
      }
      for (const e of events) await send(toReadResp(e, uuidAsString));
    };
    run().then(
      () => end(),
      (error: unknown) => end(error instanceof RpcError ? error : new RpcError(grpc.status.UNKNOWN, String(error))),
    );
  };
}

function supportedMethods(node: Node) {
  const method = (service: string, name: string, features: string[] = []) =>
    new featuresPb.SupportedMethod().setServiceName(service.toLowerCase()).setMethodName(name.toLowerCase()).setFeaturesList(features);
  const streams = 'event_store.client.streams.Streams';
  const methods = [
    method(streams, 'Read', ['position', 'events']),
    method(streams, 'Append'),
    ...(node.batchAppend ? [method(streams, 'BatchAppend', ['deadline_duration'])] : []),
    method('event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'),
    method('event_store.client.gossip.Gossip', 'Read'),
  ];
  return new featuresPb.SupportedMethods().setEventStoreServerVersion(SERVER_VERSION).setMethodsList(methods);
}

function clusterInfo(node: Node) {
  const member = new gossipPb.MemberInfo()
    .setInstanceId(toUuid(randomUUID(), true))
    .setTimeStamp((BigInt(Date.now()) * 10_000n).toString())
    .setState(gossipPb.MemberInfo.VNodeState.LEADER)
    .setIsAlive(true)
    .setHttpEndPoint(new gossipPb.EndPoint().setAddress('127.0.0.1').setPort(node.port));
  return new gossipPb.ClusterInfo().setMembersList([member]);
}

function createServer(node: Node): grpc.Server {
  const server = new grpc.Server();
  server.addService(StreamsService, {
    read: readHandler(node),
    append: appendHandler(node),
    batchAppend: batchAppendHandler(node),
  } as grpc.UntypedServiceImplementation);
  server.addService(ServerFeaturesService, {
    getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, supportedMethods(node)),
  });
  server.addService(GossipService, {
    read: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, clusterInfo(node)),
  });
  return server;
}

function bind(server: grpc.Server, port: number, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
}

export async function startEventStoreDbFake(options: EventStoreDbFakeOptions = {}): Promise<EventStoreDbFake> {
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(options.tls.keyPath), cert_chain: readFileSync(options.tls.certPath) }], false)
    : grpc.ServerCredentials.createInsecure();
  const node: Node = { log: new FakeLog(), port: 0, batchAppend: options.batchAppend ?? true, aborts: new Set(), subscriptions: [] };
  node.log.startEpoch();
  let server: grpc.Server | null = createServer(node);
  node.port = await bind(server, 0, credentials);

  let stopped = false;
  const crash = async () => {
    if (!server) return;
    const dying = server;
    server = null;
    for (const abort of [...node.aborts]) abort(new RpcError(grpc.status.UNAVAILABLE, 'Server is shutting down'));
    // Let the statuses reach the wire before the connections go.
    await new Promise((r) => setTimeout(r, 20));
    dying.forceShutdown();
  };
  const fake: EventStoreDbFake = {
    url: options.tls
      ? `esdb://127.0.0.1:${node.port}?tls=true&tlsCAFile=${encodeURIComponent(options.tls.certPath)}`
      : `esdb://127.0.0.1:${node.port}?tls=false`,
    port: node.port,
    log: node.log,
    subscriptions: node.subscriptions,
    crash,
    cancelOpenCalls() {
      for (const abort of [...node.aborts]) abort(new RpcError(grpc.status.CANCELLED, 'Call cancelled'));
    },
    async recover() {
      // A restart still sleeping when its test ended must not bring the node back.
      if (server || stopped) return;
      const next = createServer(node);
      // The old listener has just closed; the port can take a moment to be free again.
      for (let attempt = 0; ; attempt++) {
        try {
          await bind(next, node.port, credentials);
          break;
        } catch (error) {
          if (attempt >= 50) throw error;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      if (stopped) {
        next.forceShutdown();
        return;
      }
      node.log.startEpoch();
      server = next;
    },
    async restart(downMs = 0) {
      await crash();
      await new Promise((r) => setTimeout(r, downMs));
      await fake.recover();
    },
    stop: async () => {
      stopped = true;
      await crash();
    },
  };
  return fake;
}
