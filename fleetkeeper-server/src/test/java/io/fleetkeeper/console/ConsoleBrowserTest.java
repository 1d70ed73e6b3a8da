package io.fleetkeeper.console;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Browser;
import io.fleetkeeper.testing.TestTenant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.openqa.selenium.WebDriver;

/**
 * A console test class in a real headless Chromium: one browser for the class, and before each test a browser
 * without cookies, a tenant of its own and a {@link ConsolePage} on the test server.
 */
abstract class ConsoleBrowserTest extends ApiTest {

    protected static Browser browser;
    protected WebDriver web;
    protected TestTenant tenant;
    protected ConsolePage page;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void freshSession() {
        web = browser.driver();
        web.manage().deleteAllCookies();
        tenant = newTenant();
        page = new ConsolePage(web, p -> api.uri(p).toString());
    }
}
