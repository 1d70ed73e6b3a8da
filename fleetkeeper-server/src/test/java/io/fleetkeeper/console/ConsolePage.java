package io.fleetkeeper.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;

/**
 * What a console browser test does with a page: sign in, read an element (retried across live refreshes), submit a
 * form and wait for the answer page, and scan the page with axe-core (Deque's rules, the {@code axe.min.js} of the
 * {@code com.deque.html.axe-core:selenium} jar, run inside the page).
 */
final class ConsolePage {

    private static String axeScript;

    private final WebDriver web;
    private final Function<String, String> url;

    ConsolePage(WebDriver web, Function<String, String> url) {
        this.web = web;
        this.url = url;
    }

    /** Signs in and waits for the answer: a console page, or the sign-in form with its error. */
    void signIn(String token) {
        web.get(url.apply("/app/sign-in"));
        web.findElement(By.id("token")).sendKeys(token);
        web.findElement(By.id("sign-in")).click();
        Await.until(Duration.ofSeconds(15), "the sign-in answer",
                () -> !web.findElements(By.cssSelector("header.top, #sign-in-error")).isEmpty());
    }

    void open(String path) {
        web.get(url.apply(path));
    }

    /** The element's text; retried when a live refresh replaced the element in between. */
    String text(String css) {
        for (int attempt = 0; ; attempt++) {
            try {
                return web.findElement(By.cssSelector(css)).getText();
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    String attribute(String css, String name) {
        for (int attempt = 0; ; attempt++) {
            try {
                return web.findElement(By.cssSelector(css)).getAttribute(name);
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    void type(String css, String value) {
        WebElement e = web.findElement(By.cssSelector(css));
        e.clear();
        e.sendKeys(value);
    }

    boolean present(String css) {
        return !web.findElements(By.cssSelector(css)).isEmpty();
    }

    /** Clicks the element; retried when a live refresh replaced the element in between. */
    void click(String css) {
        for (int attempt = 0; ; attempt++) {
            try {
                web.findElement(By.cssSelector(css)).click();
                return;
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /**
     * Clicks a form's submit button and waits until the browser has replaced the page with the answer: the old
     * document carries a marker, and the answer is there once a complete document without it is.
     */
    void submit(String css) {
        JavascriptExecutor js = (JavascriptExecutor) web;
        js.executeScript("window.__fkAnswered = false;");
        click(css);
        Await.until(Duration.ofSeconds(15), "the answer to " + css, () -> answered(js));
    }

    private static boolean answered(JavascriptExecutor js) {
        try {
            return Boolean.TRUE.equals(js.executeScript(
                    "return window.__fkAnswered === undefined && document.readyState === 'complete';"));
        } catch (WebDriverException e) {
            return false; // the browser is between the two documents
        }
    }

    /**
     * Runs axe-core's WCAG 2.x A and AA rules on the current page and fails on any serious or critical violation,
     * naming the rule and the elements.
     */
    @SuppressWarnings("unchecked")
    void assertAccessible(String name) {
        JavascriptExecutor js = (JavascriptExecutor) web;
        if (!Boolean.TRUE.equals(js.executeScript("return typeof window.axe !== 'undefined';"))) {
            js.executeScript(axe());
        }
        Object result = js.executeAsyncScript("""
                var done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                  .then(function (r) {
                    done(r.violations.map(function (v) {
                      return {id: v.id, impact: v.impact || '', nodes: v.nodes.map(function (n) {
                        return n.target.join(' '); }).join(', ')};
                    }));
                  })
                  .catch(function (e) { done([{id: 'axe-error', impact: 'critical', nodes: String(e)}]); });
                """);
        List<String> serious = new ArrayList<>();
        for (Object o : (List<Object>) result) {
            Map<String, Object> v = (Map<String, Object>) o;
            if ("serious".equals(v.get("impact")) || "critical".equals(v.get("impact"))) {
                serious.add(v.get("id") + " (" + v.get("impact") + ") at " + v.get("nodes"));
            }
        }
        assertThat(serious).as("serious or critical axe-core violations on %s", name).isEmpty();
    }

    private static synchronized String axe() {
        if (axeScript == null) {
            try (InputStream in = ConsolePage.class.getResourceAsStream("/axe.min.js")) {
                assertThat(in).as("axe.min.js of com.deque.html.axe-core:selenium on the test class path").isNotNull();
                axeScript = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return axeScript;
    }
}
