package io.github.dbosspring.benchmarks.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The lines a peer exchanges with the orchestrator: {@code READY} and {@code RESULT <json>} on
 * standard output, {@code GO} on standard input. Everything else a peer prints is log.
 */
final class PeerProtocol {

	private final PrintStream out;

	private final BufferedReader in;

	private boolean ready;

	PeerProtocol(PrintStream out) {
		this.out = out;
		this.in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
	}

	/**
	 * Prints {@code READY} (once) and blocks until the orchestrator writes a line.
	 * @throws IOException if standard input is closed before {@code GO}
	 */
	void readyAndAwaitGo() throws IOException {
		ready();
		String line = this.in.readLine();
		if (line == null) {
			throw new IOException("Standard input closed before GO");
		}
	}

	void ready() {
		if (!this.ready) {
			this.ready = true;
			this.out.println("READY");
			this.out.flush();
		}
	}

	void result(Map<String, Object> result) {
		this.out.println("RESULT " + Json.write(result));
		this.out.flush();
	}

}
