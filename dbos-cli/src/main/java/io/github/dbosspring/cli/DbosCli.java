package io.github.dbosspring.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.serialization.JacksonDbosSerializer;
import io.github.dbosspring.store.DbosSchema;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.store.WorkflowStatusRepository.StatusCount;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

/**
 * {@code dbos}: inspects and steers durable workflows against the DBOS system database
 * alone, with no application running.
 *
 * <pre>
 * java -jar dbos-cli/target/dbos-cli-0.1.0-SNAPSHOT-exec.jar --url jdbc:postgresql://localhost/app?user=app status
 * </pre>
 *
 * Exit codes: 0 done, 1 bad usage, 2 no such workflow, 3 not possible in the workflow's
 * state, 4 database unreachable or failing.
 *
 * @since 0.2.0
 */
public final class DbosCli {

	static final int OK = 0;

	static final int USAGE = 1;

	static final int NOT_FOUND = 2;

	static final int INVALID_STATE = 3;

	static final int DATABASE = 4;

	private static final String USAGE_TEXT = """
			Usage: dbos [--url JDBC_URL] [--schema SCHEMA] COMMAND [ARGS]

			The JDBC URL defaults to the DBOS_DATABASE_URL environment variable; the schema to dbos.

			Commands:
			  status                          workflows by queue and status
			  list [--status S[,S]] [--queue Q] [--name N] [--limit N] [--offset N]
			                                  workflows, newest first
			  show ID                         one workflow with its steps
			  cancel ID                       cancel a waiting or running workflow
			  resume ID                       resume a cancelled or failed workflow from its last completed step
			  fork ID --from-step N           start a copy that runs again from step N
			  dead-letters [--queue Q] [--limit N]
			                                  dead-lettered jobs, newest first
			  replay ID                       put a dead-lettered job back on its queue

			Exit codes: 0 done, 1 bad usage, 2 no such workflow, 3 not possible in its state, 4 database error
			""";

	private final PrintStream out;

	private final PrintStream err;

	DbosCli(PrintStream out, PrintStream err) {
		this.out = out;
		this.err = err;
	}

	public static void main(String[] args) {
		System.exit(new DbosCli(System.out, System.err).run(args, System.getenv("DBOS_DATABASE_URL")));
	}

	/**
	 * Runs one command.
	 * @param args the command line
	 * @param defaultUrl the JDBC URL when {@code --url} is not given
	 * @return the exit code
	 */
	int run(String[] args, String defaultUrl) {
		Map<String, String> options = new LinkedHashMap<>();
		List<String> positional = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (arg.equals("--help") || arg.equals("-h")) {
				this.out.print(USAGE_TEXT);
				return OK;
			}
			if (arg.startsWith("--")) {
				if (i + 1 >= args.length) {
					return usage("Option " + arg + " needs a value");
				}
				options.put(arg.substring(2), args[++i]);
			}
			else {
				positional.add(arg);
			}
		}
		if (positional.isEmpty()) {
			return usage("No command given");
		}
		String url = options.getOrDefault("url", defaultUrl);
		if (url == null || url.isBlank()) {
			return usage("No database: pass --url jdbc:postgresql://... or set DBOS_DATABASE_URL");
		}
		DbosSchema schema;
		try {
			schema = new DbosSchema(options.getOrDefault("schema", "dbos"));
		}
		catch (IllegalArgumentException ex) {
			return usage(ex.getMessage());
		}
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setURL(url);
		String command = positional.get(0);
		List<String> rest = positional.subList(1, positional.size());
		try {
			return execute(command, rest, options, dataSource, schema);
		}
		catch (NumberFormatException ex) {
			return usage("Not a number: " + ex.getMessage());
		}
		catch (UsageException ex) {
			return usage(ex.getMessage());
		}
		catch (WorkflowNotFoundException ex) {
			this.err.println(ex.getMessage());
			return NOT_FOUND;
		}
		catch (IllegalStateException ex) {
			this.err.println(ex.getMessage());
			return INVALID_STATE;
		}
		catch (org.springframework.dao.DataAccessException ex) {
			this.err.println("Database error: " + ex.getMostSpecificCause().getMessage());
			return DATABASE;
		}
	}

	private int execute(String command, List<String> args, Map<String, String> options, DataSource dataSource,
			DbosSchema schema) {
		DbosClient client = new DbosClient(dataSource, schema,
				new JacksonDbosSerializer(new tools.jackson.databind.json.JsonMapper()), null, Long.MAX_VALUE);
		WorkflowStatusRepository workflows = new WorkflowStatusRepository(dataSource, schema);
		switch (command) {
			case "status" -> {
				this.out.printf("%-24s %-32s %10s%n", "QUEUE", "STATUS", "COUNT");
				for (StatusCount count : workflows.countByQueueAndStatus()) {
					this.out.printf("%-24s %-32s %10d%n", count.queueName().isEmpty() ? "-" : count.queueName(),
							count.status(), count.count());
				}
				return OK;
			}
			case "list", "dead-letters" -> {
				WorkflowQuery query = WorkflowQuery.all()
					.withQueue(options.get("queue"))
					.withName(options.get("name"))
					.limit(Integer.parseInt(options.getOrDefault("limit", "50")))
					.offset(Integer.parseInt(options.getOrDefault("offset", "0")));
				if (command.equals("dead-letters")) {
					query = query.withStatus(WorkflowStatus.DEAD_LETTER);
				}
				else if (options.containsKey("status")) {
					List<WorkflowStatus> statuses = new ArrayList<>();
					for (String status : options.get("status").split(",")) {
						try {
							statuses.add(WorkflowStatus.valueOf(status.trim().toUpperCase(java.util.Locale.ROOT)));
						}
						catch (IllegalArgumentException ex) {
							return usage("Unknown status '" + status + "'");
						}
					}
					query = query.withStatus(statuses.toArray(WorkflowStatus[]::new));
				}
				this.out.printf("%-38s %-28s %-30s %-16s %-8s %s%n", "ID", "NAME", "STATUS", "QUEUE", "ATTEMPT",
						"CREATED");
				for (WorkflowInfo info : client.listWorkflows(query)) {
					this.out.printf("%-38s %-28s %-30s %-16s %-8s %s%n", info.workflowId(), info.workflowName(),
							info.status(), (info.queueName() != null) ? info.queueName() : "-", info.attempt(),
							info.createdAt());
				}
				return OK;
			}
			case "show" -> {
				String id = single(args, "show ID");
				WorkflowInfo info = client.getWorkflow(id)
					.orElseThrow(() -> new WorkflowNotFoundException("No workflow with ID '" + id + "'"));
				this.out.println("id:          " + info.workflowId());
				this.out.println("name:        " + info.workflowName());
				this.out.println("status:      " + info.status());
				this.out.println("queue:       " + Optional.ofNullable(info.queueName()).orElse("-"));
				this.out.println("attempt:     " + info.attempt() + " of "
						+ Optional.ofNullable(info.maxAttempts()).map(String::valueOf).orElse("-"));
				this.out.println("executor:    " + Optional.ofNullable(info.executorId()).orElse("-"));
				this.out.println("version:     " + Optional.ofNullable(info.applicationVersion()).orElse("-"));
				this.out.println("created:     " + info.createdAt());
				this.out.println("completed:   " + Optional.ofNullable(info.completedAt()).map(Object::toString)
					.orElse("-"));
				if (info.errorMessage() != null) {
					this.out.println("error:       " + info.errorClass() + ": " + info.errorMessage());
				}
				this.out.println("steps:");
				for (StepInfo step : client.listSteps(id)) {
					this.out.printf("  %4d %-32s %s%n", step.stepId(), step.stepName(),
							step.failed() ? "ERROR " + step.errorMessage() : "SUCCESS");
				}
				return OK;
			}
			case "cancel" -> {
				String id = single(args, "cancel ID");
				boolean cancelled = client.cancel(id);
				this.out.println(cancelled ? "Cancelled " + id : id + " had already completed; nothing changed");
				return OK;
			}
			case "resume" -> {
				String id = single(args, "resume ID");
				client.resume(id);
				this.out.println("Resumed " + id);
				return OK;
			}
			case "fork" -> {
				String id = single(args, "fork ID --from-step N");
				if (!options.containsKey("from-step")) {
					return usage("fork needs --from-step N");
				}
				String forked = client.fork(id, Integer.parseInt(options.get("from-step")), options.get("new-id"),
						options.get("application-version"));
				this.out.println("Forked " + id + " as " + forked);
				return OK;
			}
			case "replay" -> {
				String id = single(args, "replay ID");
				client.replayDeadLetter(id);
				this.out.println("Replayed " + id);
				return OK;
			}
			default -> {
				return usage("Unknown command '" + command + "'");
			}
		}
	}

	private static String single(List<String> args, String usage) {
		if (args.size() != 1) {
			throw new UsageException("Usage: dbos " + usage);
		}
		return args.get(0);
	}

	private int usage(String message) {
		this.err.println(message);
		this.err.println();
		this.err.print(USAGE_TEXT);
		return USAGE;
	}

	private static final class UsageException extends IllegalArgumentException {

		UsageException(String message) {
			super(message);
		}

	}

}
