"""The back office's shell in a real browser: signing in and out, languages, the shop
selector, CSRF, password change, and a keyboard-only pass."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    EMAIL,
    GIVEN_SHOPS,
    OTHER_SHOP,
    PASSWORD,
    LiveApp,
    new_context,
    sign_in,
)

NEW_PASSWORD = "a much longer new passphrase"


def _open_menu(page: Page) -> None:
    page.locator("details.user-menu > summary").click()


def test_a_wrong_password_is_told_and_the_right_one_lands_on_the_dashboard(page: Page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    sign_in(page, password="not the password at all")
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(EMAIL)

    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.get_by_role("heading", name="Taux de rapprochement")).to_be_visible()


def test_a_page_asked_for_before_signing_in_is_shown_after(page: Page):
    page.goto("/reports")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Freports$"))
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Rapports", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_the_language_switch_changes_the_page_and_is_remembered(
    page: Page, browser: Browser, live_app: LiveApp
):
    sign_in(page)
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Gestion de caisse")).to_be_visible()
    _open_menu(page)
    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Cash management")).to_be_visible()
    expect(nav.get_by_role("link", name="Remittance tracking")).to_be_visible()

    # Saved on the account: another browser, asking for French, gets English once signed in.
    other = new_context(browser, live_app, locale="fr-FR")
    try:
        second = other.new_page()
        sign_in(second)
        expect(second.get_by_role("heading", level=1)).to_have_text("Dashboard")
    finally:
        other.close()


def test_the_shop_selector_lists_only_the_users_shops(page: Page):
    sign_in(page)
    selector = page.get_by_label("Boutique")
    options = selector.locator("option")
    expect(options).to_have_text(
        [f"{name} · {shop_id}" for shop_id, name in sorted(GIVEN_SHOPS.items())]
    )
    expect(page.get_by_text(OTHER_SHOP[1])).to_have_count(0)

    selector.select_option("22222222")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.get_by_role("link", name="Suivi des remises").click()
    expect(page.get_by_label("Boutique")).to_have_value("22222222")


def test_a_shop_not_given_answers_not_found(page: Page):
    sign_in(page)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = page.request.post(
        "/account/shop", form={"shop": OTHER_SHOP[0], "csrf_token": token or ""}, max_redirects=0
    )
    assert answer.status == 404
    assert "Page introuvable" in answer.text()
    page.reload()
    expect(page.get_by_label("Boutique")).to_have_value("11111111")


def test_a_form_posted_without_its_token_is_refused(page: Page):
    sign_in(page)
    # The sign-out form, stripped of its token, as a forged page would send it.
    page.evaluate(
        "document.querySelector('form[action=\"/sign-out\"] input[name=csrf_token]').remove()"
    )
    _open_menu(page)
    with page.expect_response("**/sign-out") as response:
        page.get_by_role("button", name="Se déconnecter").click()
    assert response.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce formulaire a expiré")

    # Scripts send the token in a header: without it refused, with it accepted.
    status_without, status_with = page.evaluate(
        """async () => {
            const body = new URLSearchParams({language: "en"});
            const bare = await fetch("/account/language",
                {method: "POST", body, redirect: "manual"});
            const signed = await window.pointageFetch("/account/language",
                {method: "POST", body, redirect: "manual"});
            return [bare.status, signed.type === "opaqueredirect" ? 303 : signed.status];
        }"""
    )
    assert (status_without, status_with) == (403, 303)
    page.goto("/dashboard")  # still signed in; the accepted request switched the language
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_signing_out_ends_the_session(page: Page):
    sign_in(page)
    _open_menu(page)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("status")).to_have_text("Déconnexion effectuée.")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    page.go_back()
    page.reload()
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_a_password_change_ends_the_other_sessions(page: Page, browser: Browser, live_app: LiveApp):
    other = new_context(browser, live_app)
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere)
        expect(elsewhere).to_have_url(re.compile(r"/dashboard$"))

        sign_in(page)
        _open_menu(page)
        page.get_by_role("link", name="Changer de mot de passe").click()
        page.get_by_label("Mot de passe actuel").fill(PASSWORD)
        page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD + "!")
        page.locator("form.form").get_by_role("button", name="Changer de mot de passe").click()
        confirmation = page.get_by_label("Confirmation du nouveau mot de passe")
        expect(confirmation).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#new_password_confirmation-error")).to_have_text(
            "Les deux nouveaux mots de passe ne sont pas identiques."
        )

        page.get_by_label("Mot de passe actuel").fill(PASSWORD)
        page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
        confirmation.fill(NEW_PASSWORD)
        page.locator("form.form").get_by_role("button", name="Changer de mot de passe").click()
        expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été changé.")

        page.goto("/transactions")  # this session goes on
        expect(page.get_by_role("heading", level=1)).to_have_text("Gestion de caisse")
        elsewhere.reload()  # the other one is over
        expect(elsewhere).to_have_url(re.compile(r"/sign-in"))
        sign_in(elsewhere, password=NEW_PASSWORD)
        expect(elsewhere).to_have_url(re.compile(r"/dashboard$"))
    finally:
        other.close()


def _focused(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.getAttribute('aria-label') || e.innerText || e.value || e.id || '').trim(); }"
    )


def _focus_is_visible(page: Page) -> bool:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )


def test_the_keyboard_alone_signs_in_and_goes_through_the_navigation(page: Page):
    page.goto("/sign-in")
    # The e-mail field has the focus; Tab goes to the password, Enter sends the form.
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    # First Tab: the skip link, shown when focused; Enter moves on to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu principal")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From the top, Tab reaches every link of the navigation in order, each visibly focused.
    page.reload()
    labels = [
        "Tableau de bord",
        "Gestion de caisse",
        "Suivi des remises",
        "Relevés bancaires",
        "Rapprochement",
        "Rapports",
        "Paramètres",
    ]
    reached: list[str] = []
    for _ in range(20):
        page.keyboard.press("Tab")
        assert _focus_is_visible(page), f"no visible focus on {_focused(page)!r}"
        if _focused(page) in labels:
            reached.append(_focused(page))
        if reached == labels:
            break
    assert reached == labels
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapports")
