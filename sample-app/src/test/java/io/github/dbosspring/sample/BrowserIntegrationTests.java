package io.github.dbosspring.sample;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The page at {@code /} in headless Chromium: enqueue a workflow with the button and watch
 * its progress bar reach 100 %; cancel and resume one with the row's buttons. Uses the
 * machine's Chromium and ChromeDriver ({@code apt-get install chromium chromium-driver},
 * which {@code .ci/run} does); nothing is downloaded. Screenshots go to
 * {@code target/screenshots}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.step-duration=200ms")
class BrowserIntegrationTests {

	private static final File CHROMIUM = new File("/usr/bin/chromium");

	private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

	private static final Path SCREENSHOTS = Path.of("target", "screenshots");

	private static WebDriver driver;

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@BeforeAll
	static void startBrowser() {
		assumeTrue(CHROMIUM.canExecute() && CHROMEDRIVER.canExecute(),
				"Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER + "): "
						+ "apt-get install chromium chromium-driver, as .ci/run does");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,640");
		// an explicit driver executable and browser binary: Selenium Manager downloads nothing
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
			.usingAnyFreePort()
			.build();
		driver = new ChromeDriver(service, options);
	}

	@AfterAll
	static void stopBrowser() {
		if (driver != null) {
			driver.quit();
		}
	}

	@Test
	void enqueueButtonStartsAWorkflowWhoseProgressBarReachesOneHundredPercent() throws Exception {
		driver.get("http://localhost:" + this.port + "/");
		assertThat(driver.getTitle()).isEqualTo("DBOS Spring Boot sample: queue worker");
		List<String> rowsBefore = workflowIds();

		WebElement numSteps = driver.findElement(By.id("num-steps"));
		numSteps.clear();
		numSteps.sendKeys("5");
		driver.findElement(By.id("enqueue")).click();

		String workflowId = waitUntil(Duration.ofSeconds(10), () -> {
			List<String> added = new ArrayList<>(workflowIds());
			added.removeAll(rowsBefore);
			return added.isEmpty() ? null : added.get(0);
		});
		assertThat(driver.findElement(By.id("message")).getText()).contains("Enqueued " + workflowId);
		List<String> seen = new ArrayList<>();
		waitUntil(Duration.ofSeconds(30), () -> {
			String state = status(workflowId) + " " + percent(workflowId);
			if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(state)) {
				seen.add(state);
			}
			return (state.equals("SUCCESS 100")) ? state : null;
		});
		WebElement row = row(workflowId);
		assertThat(row.findElement(By.className("count")).getText()).isEqualTo("5 / 5");
		assertThat(row.findElement(By.className("cancel")).isEnabled()).isFalse();
		assertThat(row.findElement(By.className("resume")).isEnabled()).isFalse();
		// the bar's fill is drawn at full width once its transition ends
		Thread.sleep(600);
		screenshot("progress.png");
		System.out.println("Page states of " + workflowId + ": " + seen);
	}

	@Test
	void cancelAndResumeButtonsStopAndContinueAWorkflow() throws Exception {
		driver.get("http://localhost:" + this.port + "/");
		WebElement numSteps = driver.findElement(By.id("num-steps"));
		numSteps.clear();
		numSteps.sendKeys("25");
		List<String> rowsBefore = workflowIds();
		driver.findElement(By.id("enqueue")).click();
		String workflowId = waitUntil(Duration.ofSeconds(10), () -> {
			List<String> added = new ArrayList<>(workflowIds());
			added.removeAll(rowsBefore);
			return added.isEmpty() ? null : added.get(0);
		});
		waitUntil(Duration.ofSeconds(20), () -> (percent(workflowId) > 0) ? "running" : null);

		row(workflowId).findElement(By.className("cancel")).click();
		waitUntil(Duration.ofSeconds(10), () -> "CANCELLED".equals(status(workflowId)) ? "cancelled" : null);
		assertThat(percent(workflowId)).isLessThan(100);
		assertThat(row(workflowId).findElement(By.className("resume")).isEnabled()).isTrue();
		screenshot("cancelled.png");

		row(workflowId).findElement(By.className("resume")).click();
		waitUntil(Duration.ofSeconds(30), () -> "SUCCESS".equals(status(workflowId)) && percent(workflowId) == 100
				? "done" : null);
	}

	private static List<String> workflowIds() {
		return driver.findElements(By.cssSelector("tr[data-workflow-id]"))
			.stream()
			.map((row) -> row.getDomAttribute("data-workflow-id"))
			.toList();
	}

	private static WebElement row(String workflowId) {
		return driver.findElement(By.cssSelector("tr[data-workflow-id='" + workflowId + "']"));
	}

	private static String status(String workflowId) {
		return row(workflowId).findElement(By.className("status")).getText();
	}

	private static int percent(String workflowId) {
		return Integer.parseInt(row(workflowId).findElement(By.cssSelector("[role=progressbar]"))
			.getDomAttribute("aria-valuenow"));
	}

	private static <T> T waitUntil(Duration timeout, java.util.function.Supplier<T> condition) {
		return new WebDriverWait(driver, timeout, Duration.ofMillis(100))
			.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
			.ignoring(org.openqa.selenium.NoSuchElementException.class)
			.until((d) -> condition.get());
	}

	private static void screenshot(String name) throws Exception {
		Files.createDirectories(SCREENSHOTS);
		File file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
		Files.copy(file.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
	}

}
