/**
 * The V8 flags Herald is started with (`npm start`, the image, the bench). Node sizes the young
 * generation from the machine's memory, up to 64 MB per semi-space on a large machine; Herald's
 * short-lived objects (a request, a decision, a job) need far less, and pages the young
 * generation once touched stay resident. 16 MB keeps scavenges rare and each process about
 * 50-100 MB smaller after load.
 *
 * After each full collection V8 lets the old generation grow by a factor it picks from how fast
 * the program allocates, up to 4x on a large machine: under a broadcast Herald's live heap of
 * about 300 MB grew to 1 GB before the next collection, with several hundred MB more of freed
 * pages pooled, and the resident figure followed. A fixed 1.5x keeps the same work within about
 * 700 MB, for twice as many full collections (each 10-30 ms).
 */
export const HERALD_NODE_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=50'] as const;
