package io.github.dbosspring.benchmarks.peer;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The {@code main} of every peer jar: parses the command line, runs the workload against the peer and
 * prints its {@code RESULT}. Exits 0 after a result (also "unsupported"), 1 after an error.
 * <pre class="code">
 * public static void main(String[] args) {
 *     PeerDriver.run(args, DbosTransactPeer::new);
 * }
 * </pre>
 */
public final class PeerDriver {

	private PeerDriver() {
	}

	/**
	 * Runs one workload and exits the JVM.
	 * @param args the command line ({@code --workload=... --jdbc-url=... [--key=value ...]})
	 * @param peers creates the peer from the arguments (it may read its own, e.g. {@code --poll-ms})
	 */
	public static void run(String[] args, Function<PeerArguments, PeerLibrary> peers) {
		// the protocol owns standard output; libraries that log to it would only add noise, so
		// everything else written to System.out goes to standard error
		PrintStream protocolOut = System.out;
		System.setOut(System.err);
		PeerProtocol protocol = new PeerProtocol(protocolOut);
		int status = 0;
		PeerLibrary peer = null;
		try {
			PeerArguments arguments = PeerArguments.parse(args);
			peer = peers.apply(arguments);
			protocol.result(new Workloads(peer, arguments, protocol).run());
		}
		catch (Throwable ex) {
			ex.printStackTrace();
			Map<String, Object> error = new LinkedHashMap<>();
			error.put("error", String.valueOf(ex));
			if (peer != null) {
				error.put("peer", peer.name());
			}
			protocol.result(error);
			status = 1;
		}
		closeQuietly(peer);
		System.exit(status);
	}

	// best effort: the result is out, and the JVM's exit closes the connections anyway
	private static void closeQuietly(PeerLibrary peer) {
		if (peer == null) {
			return;
		}
		Thread closer = new Thread(() -> {
			try {
				peer.close();
			}
			catch (Exception ex) {
				System.err.println("Closing " + peer.name() + " failed: " + ex);
			}
		}, "peer-close");
		closer.setDaemon(true);
		closer.start();
		try {
			closer.join(TimeUnit.SECONDS.toMillis(10));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
