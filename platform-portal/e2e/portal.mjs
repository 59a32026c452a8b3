// The portal in a real browser (Debian's chromium, driven by playwright-core): the catalog,
// search as you type, an entity, a dependency followed, a failed claim's reason, the map's
// links, the New Service form refused without the token and accepted with it, and the new
// component in the catalog. Started by platform-portal/tests/browser.rs, which serves a
// seeded portal and sets PORTAL_URL, PORTAL_TOKEN, PORTAL_FAILURE and SCREENSHOTS.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const base = process.env.PORTAL_URL;
const token = process.env.PORTAL_TOKEN;
const failure = process.env.PORTAL_FAILURE;
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("403")) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  const step = (what) => console.log(`ok - ${what}`);

  await page.goto(`${base}/catalog`);
  await page.getByRole("link", { name: "storefront" }).waitFor();
  await page.getByRole("link", { name: "checkout" }).waitFor();
  await shot("1-catalog");
  step("the catalog lists the components");

  await page.getByLabel("Search").fill("money");
  await page.locator("#count", { hasText: "1 entities match" }).waitFor();
  assert.equal(await page.locator("#results").getByRole("link", { name: "storefront" }).count(), 0);
  assert.ok(page.url().includes("q=money"), "the address keeps the search");
  await shot("2-search");
  step("search as you type narrows the results");

  await page.locator("#results").getByRole("link", { name: "checkout" }).click();
  await page.getByRole("heading", { level: 1, name: "checkout" }).waitFor();
  await shot("3-entity");
  step("an entity's page opens");

  await page.getByRole("link", { name: "component:default/storefront" }).click();
  await page.getByRole("heading", { level: 1, name: "storefront" }).waitFor();
  const description = await page.locator("p.description").textContent();
  assert.ok(description.includes('<script>alert("pwned")</script>'), "the hostile description shows as text");
  await shot("4-dependency");
  step("a dependency is followed; a hostile description stays text");

  await page.getByRole("link", { name: "CacheClaim default/sessions" }).first().click();
  await page.locator("td.reason", { hasText: failure }).waitFor();
  await shot("5-failed-claim");
  step("a failed claim's reason is shown");

  await page.goto(`${base}/graph/component/default/storefront.svg`);
  await page.locator('a[href$="/catalog/component/default/checkout"]').click();
  await page.getByRole("heading", { level: 1, name: "checkout" }).waitFor();
  step("the dependency map's nodes are links");

  await page.goto(`${base}/templates/service`);
  await page.getByLabel("name", { exact: true }).fill("e2e-shop");
  await page.getByLabel("owner", { exact: true }).fill("team-pay");
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByText("the portal token is missing or wrong").waitFor();
  await shot("6-refused-without-token");
  step("Create without the token is refused");

  await page.goto(`${base}/templates/service`);
  await page.getByLabel("name", { exact: true }).fill("e2e-shop");
  await page.getByLabel("owner", { exact: true }).fill("team-pay");
  await page.getByLabel("description", { exact: true }).fill("Made in a browser");
  await page.getByLabel("Portal token").fill(token);
  await page.getByLabel("Portal token").press("Enter");
  await page.getByRole("link", { name: "component:default/e2e-shop" }).waitFor();
  await shot("7-created");
  step("Create with the token scaffolds and registers the component");

  await page.goto(`${base}/catalog`);
  await page.getByLabel("Search").fill("e2e-shop");
  await page.locator("#results").getByRole("link", { name: "e2e-shop" }).waitFor();
  await shot("8-new-in-catalog");
  step("the new component is in the catalog");
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
