package io.github.dbosspring.actuate.endpoint;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.QueueWorkflows;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.TestWorkflowApplication;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/dbos} over HTTP with Spring Security on the classpath: exposure,
 * access (read-only by default, writes only when unrestricted), authentication (401),
 * CSRF on writes (403), and value hiding.
 */
class DbosEndpointWebIntegrationTests {

	private static final String USER = "operator";

	private static final String PASSWORD = "s3cret";

	@Nested
	@SpringBootTest(classes = TestWorkflowApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.main.web-application-type=servlet", "dbos.recovery.interval=1h",
					"spring.security.user.name=" + USER, "spring.security.user.password=" + PASSWORD })
	class NotExposed {

		@DynamicPropertySource
		static void database(DynamicPropertyRegistry registry) {
			TestDatabase.useNewDatabase(registry);
		}

		@LocalServerPort
		private int port;

		@Test
		void endpointIsNotFound() throws Exception {
			assertThat(send("GET", this.port, "/actuator/dbos", true, null).statusCode()).isEqualTo(404);
		}

	}

	@Nested
	@SpringBootTest(classes = TestWorkflowApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.main.web-application-type=servlet", "dbos.recovery.interval=1h",
					"dbos.queues.plain.worker-concurrency=2", "spring.security.user.name=" + USER,
					"spring.security.user.password=" + PASSWORD, "management.endpoints.web.exposure.include=dbos" })
	@Import(QueueWorkflows.class)
	class ReadOnly {

		@DynamicPropertySource
		static void database(DynamicPropertyRegistry registry) {
			TestDatabase.useNewDatabase(registry);
		}

		@LocalServerPort
		private int port;

		@Autowired
		private Dbos dbos;

		@Autowired
		private QueueWorkflows workflows;

		@Test
		void readsNeedAuthenticationAndHideValuesAndWritesAreNotMapped() throws Exception {
			this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("web-1"), () -> this.workflows.greet("secret"))
				.getResult(Duration.ofSeconds(30));
			this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("web-delayed").withDelay(Duration.ofHours(1)),
					() -> this.workflows.greet("later"));

			assertThat(send("GET", this.port, "/actuator/dbos", false, null).statusCode()).isEqualTo(401);
			HttpResponse<String> summary = send("GET", this.port, "/actuator/dbos", true, null);
			assertThat(summary.statusCode()).isEqualTo(200);
			assertThat(summary.body()).contains("\"workflowsByStatus\"").contains("\"plain\"");
			HttpResponse<String> list = send("GET", this.port, "/actuator/dbos/workflows?status=SUCCESS&queue=plain",
					true, null);
			assertThat(list.body()).contains("web-1").doesNotContain("web-delayed");
			HttpResponse<String> one = send("GET", this.port, "/actuator/dbos/workflows/web-1", true, null);
			assertThat(one.statusCode()).isEqualTo(200);
			assertThat(one.body()).contains("\"hello\"").contains("******").doesNotContain("hello secret");
			assertThat(send("GET", this.port, "/actuator/dbos/workflows/no-such", true, null).statusCode())
				.isEqualTo(404);

			HttpResponse<String> write = postWithCsrf(this.port, formLogin(this.port),
					"/actuator/dbos/workflows/web-delayed/cancel");
			// read-only access: an authenticated POST with its CSRF token finds no write operation
			assertThat(write.statusCode()).as(write.body()).isIn(404, 405);
			assertThat(this.dbos.getWorkflow("web-delayed").orElseThrow().status()).isEqualTo(WorkflowStatus.ENQUEUED);
		}

	}

	@Nested
	@SpringBootTest(classes = TestWorkflowApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.main.web-application-type=servlet", "dbos.recovery.interval=1h",
					"dbos.queues.plain.worker-concurrency=2", "spring.security.user.name=" + USER,
					"spring.security.user.password=" + PASSWORD, "spring.security.user.roles=OPS",
					"management.endpoints.web.exposure.include=dbos", "management.endpoint.dbos.access=unrestricted",
					"dbos.actuator.show-values=when-authorized", "dbos.actuator.roles=OPS" })
	@Import(QueueWorkflows.class)
	class Unrestricted {

		@DynamicPropertySource
		static void database(DynamicPropertyRegistry registry) {
			TestDatabase.useNewDatabase(registry);
		}

		@LocalServerPort
		private int port;

		@Autowired
		private Dbos dbos;

		@Autowired
		private QueueWorkflows workflows;

		@Test
		void writesNeedCsrfAndAuthorizedUsersSeeValues() throws Exception {
			this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("web-2"), () -> this.workflows.greet("shown"))
				.getResult(Duration.ofSeconds(30));
			this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("web-cancel").withDelay(Duration.ofHours(1)),
					() -> this.workflows.greet("later"));

			assertThat(send("GET", this.port, "/actuator/dbos/workflows/web-2", true, null).body())
				.contains("hello shown");
			assertThat(send("POST", this.port, "/actuator/dbos/workflows/web-cancel/cancel", false, null).statusCode())
				.isEqualTo(401);
			// Spring Security's default CSRF protection applies to the endpoint's POSTs: a user
			// authenticated by its session, posting without a CSRF token, is forbidden
			String session = formLogin(this.port);
			HttpResponse<String> withoutCsrf = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port
						+ "/actuator/dbos/workflows/web-cancel/cancel"))
					.header("Cookie", session)
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{}"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(withoutCsrf.statusCode()).isEqualTo(403);
			assertThat(this.dbos.getWorkflow("web-cancel").orElseThrow().status()).isEqualTo(WorkflowStatus.ENQUEUED);
			HttpClient http = HttpClient.newHttpClient();
			assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/dbos"))
				.header("Cookie", session)
				.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("the session is authenticated")
				.isEqualTo(200);

			// with the session's CSRF token the write goes through
			HttpResponse<String> withCsrf = postWithCsrf(this.port, session,
					"/actuator/dbos/workflows/web-cancel/cancel");
			assertThat(withCsrf.statusCode()).as(withCsrf.body()).isEqualTo(200);
			assertThat(withCsrf.body()).contains("\"outcome\":\"cancelled\"");
			assertThat(this.dbos.getWorkflow("web-cancel").orElseThrow().status()).isEqualTo(WorkflowStatus.CANCELLED);
		}

	}

	/**
	 * POSTs as the session's user with the session's CSRF token (read from the logout page).
	 */
	static HttpResponse<String> postWithCsrf(int port, String session, String path) throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		HttpResponse<String> logoutPage = http.send(HttpRequest
			.newBuilder(URI.create("http://localhost:" + port + "/logout"))
			.header("Cookie", session)
			.build(), HttpResponse.BodyHandlers.ofString());
		java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"")
			.matcher(logoutPage.body());
		assertThat(csrf.find()).as(logoutPage.body()).isTrue();
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.header("Cookie", session)
			.header("X-CSRF-TOKEN", csrf.group(1))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{}"))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Logs in with Spring Security's login form.
	 * @return the authenticated session's cookie
	 */
	static String formLogin(int port) throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
			.build(), HttpResponse.BodyHandlers.ofString());
		String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
		java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"")
			.matcher(page.body());
		assertThat(csrf.find()).as(page.body()).isTrue();
		String form = "username=" + USER + "&password=" + PASSWORD + "&_csrf=" + csrf.group(1);
		HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
			.header("Cookie", cookie)
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form))
			.build(), HttpResponse.BodyHandlers.ofString());
		return login.headers().firstValue("Set-Cookie").map((value) -> value.split(";")[0]).orElse(cookie);
	}

	static HttpResponse<String> send(String method, int port, String path, boolean authenticated, String body)
			throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.timeout(Duration.ofSeconds(30))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
					: HttpRequest.BodyPublishers.noBody());
		if (body != null) {
			request.header("Content-Type", "application/json");
		}
		if (authenticated) {
			request.header("Authorization", "Basic " + Base64.getEncoder()
				.encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
		}
		return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
