/**
 * The V8 flags Herald is started with (`npm start`, the image, the bench). Node sizes the young
 * generation from the machine's memory, up to 64 MB per semi-space on a large machine; Herald's
 * short-lived objects (a request, a decision, a job) need far less, and pages the young
 * generation once touched stay resident. 16 MB keeps scavenges rare and each process about
 * 50-100 MB smaller after load.
 */
export const HERALD_NODE_FLAGS = ['--max-semi-space-size=16'] as const;
