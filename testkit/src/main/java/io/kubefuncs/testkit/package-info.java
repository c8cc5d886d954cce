/**
 * Real nsqd and nsqlookupd processes for integration tests, because only the real NSQ tells whether
 * a client or an embedded broker speaks the protocol correctly.
 *
 * <p>The NSQ v1.3.0 programs are found through the system property {@code kubefuncs.nsq.bin}, the
 * environment variable {@code KUBEFUNCS_NSQ_BIN} or the {@code PATH}; {@code scripts/install-nsq}
 * builds them. Every process listens on 127.0.0.1 on ports chosen at run time, keeps its data in a
 * fresh temporary directory, and is killed when the JVM exits if a test forgot to close it.
 *
 * <ul>
 *   <li>{@link io.kubefuncs.testkit.NsqdProcess} and {@link
 *       io.kubefuncs.testkit.NsqLookupdProcess}: one process each, which can be stopped, killed and
 *       restarted on the same ports;
 *   <li>{@link io.kubefuncs.testkit.NsqCluster}: lookupds and nsqds registered with each other;
 *   <li>{@link io.kubefuncs.testkit.NsqExtension}: either of those for the tests of a JUnit 5
 *       class.
 *   <li>{@link io.kubefuncs.testkit.TestCertificates} and {@link
 *       io.kubefuncs.testkit.NsqAuthServer}: certificates made for the run and an auth server, for
 *       nsqd with TLS and AUTH.
 * </ul>
 *
 * <p>A function's own tests rarely need real NSQ: {@code DevBrokerExtension} of {@code
 * kubefuncs-devbroker} runs the in-memory dev broker in the test's JVM, with no programs to
 * install. It lives there and not here because the dev broker's own tests use this testkit.
 */
package io.kubefuncs.testkit;
