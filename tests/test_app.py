"""The explorer's logic without a browser: controls, scenario factory, save-as, charts,
the Mesa wiring behind Reset, the command's checks and the asset list."""

import json

import numpy as np
import pytest
import solara

from model.app import assets
from model.app.charts import COLOUR_MODES, attitudes_figure, shares_figure
from model.app.components import ScenarioControls, same_effect
from model.app.explorer_model import SCATTER_SAMPLE, ExplorerModel
from model.app.page import model_params
from model.app.save import save_as_scenario
from model.app.settings import (
    BUILT_IN,
    DEFAULT_POLICY_MONTH,
    VARIANT_CHOICES,
    ExplorerSettings,
    explorer_scenario,
    first_loadable,
    fitted_parameters,
    lever_changes,
    lever_controls,
    load_picked,
    nearest_month,
    policy_months,
    round_step,
    scenario_choices,
    values_at,
)
from model.cli import main as cli_main
from model.commands.app import check_port
from model.core.opinion_model import OpinionModel
from model.inputs import registry, variants
from model.inputs.calendar import parse_month
from model.inputs.errors import InputError
from model.inputs.posterior import variant_posterior
from model.inputs.registry import Group
from model.inputs.scenario import baseline
from model.inputs.scenario_files import load_scenario, write_scenario
from model.inputs.survey_data import load_waves
from model.inputs.timeline import TimelinePoint

N = 1_000  # citizens: the app logic, not the dynamics, is under test


@pytest.fixture
def library(tmp_path):
    """A library with a baseline file and one that plans a later crossing reopening."""
    folder = tmp_path / "scenarios"
    write_scenario(baseline(), folder / "baseline.toml")
    planned = baseline().with_changes(
        name="reopen_2027", levers={"open_crossings_poland": (TimelinePoint("2027-01", 5.0),)})
    write_scenario(planned, folder / "reopen_2027.toml", base=baseline(),
                   extends="baseline.toml")
    return folder


def _month_index(scenario, month):
    return parse_month(month) - parse_month(scenario.start)


# --- controls --------------------------------------------------------------------------

def test_every_lever_has_a_control_with_the_registry_bounds_unit_and_help():
    controls = {c.name: c for c in lever_controls()}
    assert list(controls) == list(registry.names(Group.LEVER))
    for name, control in controls.items():
        quantity = registry.get(name)
        assert (control.low, control.high) == quantity.bounds
        assert control.unit == quantity.unit and control.description == quantity.description
        assert 50 <= (control.high - control.low) / control.step <= 10_000
        assert control.integer == (quantity.dtype == "int")
        # every historical value sits on the slider's grid, so the slider can show it
        for point in quantity.history:
            assert control.clip(point.value) == pytest.approx(point.value)


@pytest.mark.parametrize(("span", "step"), [(2, 2), (0.37, 0.2), (0.01, 0.01), (1000, 1000),
                                            (0.06, 0.05)])
def test_round_step_is_the_1_2_5_number_at_or_below_the_span(span, step):
    assert round_step(span) == pytest.approx(step)


def test_clip_snaps_browser_floats_onto_the_grid_and_into_bounds():
    refusal = next(c for c in lever_controls() if c.name == "visa_refusal_rate")
    assert refusal.clip(0.011000000000000001) == 0.011
    assert refusal.clip(7.0) == refusal.high
    assert refusal.clip(-1.0) == refusal.low


# --- scenario factory ------------------------------------------------------------------

def test_untouched_controls_run_the_picked_scenario_itself(library):
    picked = load_picked(str(library / "baseline.toml"))
    assert explorer_scenario(picked, ExplorerSettings(str(library / "baseline.toml"))) is picked
    same = ExplorerSettings(str(library / "baseline.toml"),
                            levers=values_at(picked, DEFAULT_POLICY_MONTH))
    assert explorer_scenario(picked, same) is picked


def test_a_moved_lever_holds_from_the_policy_month_and_history_stays(library):
    path = str(library / "baseline.toml")
    picked = load_picked(path)
    settings = ExplorerSettings(path, "2026-01", {"visa_fee_eur": 0.0})
    scenario = explorer_scenario(picked, settings)
    before, after = picked.compile_inputs().series, scenario.compile_inputs().series
    t = _month_index(picked, "2026-01")
    assert np.array_equal(after["visa_fee_eur"][:t], before["visa_fee_eur"][:t])
    assert np.all(after["visa_fee_eur"][t:] == 0.0)
    for name in before:
        if name != "visa_fee_eur":
            assert np.array_equal(after[name], before[name]), name
    assert scenario.end == picked.end and scenario.parameters == picked.parameters


def test_moving_a_lever_replaces_what_the_picked_scenario_planned_after_the_policy_month(
        library):
    path = str(library / "reopen_2027.toml")
    picked = load_picked(path)
    scenario = explorer_scenario(picked, ExplorerSettings(path, "2026-01",
                                                          {"open_crossings_poland": 2.0}))
    series = scenario.compile_inputs().series["open_crossings_poland"]
    assert np.all(series[_month_index(picked, "2026-01"):] == 2.0)  # the 2027 reopening is gone


def test_defaults_depend_on_the_policy_month_and_the_pick(library):
    picked = load_picked(str(library / "reopen_2027.toml"))
    assert values_at(picked, "2026-01")["open_crossings_poland"] == 3.0
    assert values_at(picked, "2027-06")["open_crossings_poland"] == 5.0
    assert values_at(picked, "2021-06")["visa_refusal_rate"] == 0.011


def test_nearest_month_clamps_into_the_allowed_policy_months():
    allowed = policy_months(baseline())
    assert allowed[0] == "2020-10" and allowed[-1] == baseline().end
    assert nearest_month(allowed, "2020-01") == "2020-10"
    assert nearest_month(allowed, "2031-05") == baseline().end
    assert nearest_month(allowed, "2026-01") == "2026-01"


@pytest.mark.parametrize(("settings", "key"), [
    (ExplorerSettings(None, "2020-09"), "policy month"),
    (ExplorerSettings(None, "2031-01"), "policy month"),
    (ExplorerSettings(None, "2026-01", {"visa_fee_eur": 500.0}), "levers.visa_fee_eur"),
    (ExplorerSettings(None, "2026-01", {"visa_fees": 5.0}), "levers.visa_fees"),
])
def test_bad_settings_raise_an_input_error_naming_the_key(settings, key):
    with pytest.raises(InputError) as caught:
        lever_changes(baseline(), settings)
    assert caught.value.key == key


def test_a_broken_library_file_is_skipped_for_the_first_pick(library):
    (library / "baseline.toml").write_text("[levers]\nvisa_fee_eur = 900\n")
    assert first_loadable(scenario_choices(library, library / "saved")) is None  # both broken
    write_scenario(baseline().with_changes(name="sound"), library / "sound.toml")
    assert first_loadable(scenario_choices(library, library / "saved")) == str(
        library / "sound.toml")


def test_scenario_choices_lead_with_the_baseline_file_and_list_saved_ones(library):
    saved = library / "saved"
    write_scenario(baseline().with_changes(name="mine"), saved / "mine.toml")
    choices = scenario_choices(library, saved)
    assert list(choices) == ["baseline.toml", "reopen_2027.toml", "saved/mine.toml"]
    (library / "baseline.toml").unlink()
    assert next(iter(scenario_choices(library, saved))) == BUILT_IN
    assert scenario_choices(library, saved)[BUILT_IN] is None


# --- the model -------------------------------------------------------------------------

def test_explorer_model_matches_the_command_line_model_bit_for_bit(library):
    path = str(library / "reopen_2027.toml")
    explorer = ExplorerModel(ExplorerSettings(path), citizens=N, seed=3)
    # The page runs the default variant with its fitted parameters under the scenario's own.
    scenario = load_scenario(path).with_default_parameters(fitted_parameters("grievance"))
    reference = OpinionModel(scenario, seed=3, n_citizens=N, create_agents=False)
    for _ in range(4):
        explorer.step()
        reference.step()
    assert explorer.month == reference.month == "2021-01"
    assert np.array_equal(explorer.shares, reference.shares, equal_nan=True)


def test_a_moved_lever_changes_the_run_from_the_policy_month_only():
    settings = ExplorerSettings(None, "2020-12", {"consumer_goods_sanctions": 1.0})
    moved = ExplorerModel(settings, citizens=N, seed=1)
    plain = ExplorerModel(ExplorerSettings(None, "2020-12"), citizens=N, seed=1)
    for _ in range(8):
        moved.step()
        plain.step()
    t = _month_index(moved.spec, "2020-12")
    assert np.array_equal(moved.shares[:t], plain.shares[:t])
    assert not np.array_equal(moved.shares[t:9], plain.shares[t:9])


def test_reset_in_the_page_rebuilds_the_model_from_the_controls_at_that_moment():
    """Mesa's own Reset button, clicked in a rendered SolaraViz, reads the settings then."""
    import ipyvuetify as v
    from mesa.visualization import SolaraViz

    settings = solara.reactive(ExplorerSettings())
    params = model_params(settings)
    params["citizens"] = {**params["citizens"], "value": N}
    first = ExplorerModel(params["settings"], citizens=N)
    model = solara.reactive(first)

    @solara.component
    def explorer_page():
        with solara.AppLayout():  # SolaraViz puts its controls in the layout's sidebar
            SolaraViz(model, components=[], model_params=params)

    _, rendered = solara.render(explorer_page(), handle_error=False)
    settings.set(ExplorerSettings(levers={"visa_fee_eur": 0.0}))
    rendered.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = model.value
    rendered.close()
    assert rebuilt is not first and isinstance(rebuilt, ExplorerModel)
    assert rebuilt.settings.levers == {"visa_fee_eur": 0.0}
    assert rebuilt.spec.timeline("visa_fee_eur")[-1] == TimelinePoint(DEFAULT_POLICY_MONTH,
                                                                     0.0)
    assert rebuilt.world.population.size == N  # Mesa's citizens slider reached the model


# --- the variant selector ----------------------------------------------------------------

def test_the_selector_offers_every_variant_and_the_averaged_band():
    assert (*variants.names(), "averaged") == VARIANT_CHOICES
    with pytest.raises(InputError, match="one of media_peers"):
        ExplorerSettings(variant="everything")


def test_the_chosen_variants_switches_and_posterior_mean_set_the_parameters():
    media = ExplorerModel(ExplorerSettings(variant="media_peers"), citizens=N)
    for name in variants.variant("media_peers").off:
        assert getattr(media.params, name) == 0, name
    default = ExplorerModel(ExplorerSettings(), citizens=N)
    posterior = variant_posterior("grievance")
    fitted = posterior.mean() if posterior else {}
    for name, value in fitted.items():
        assert getattr(default.params, name) == pytest.approx(value), name
    assert default.params.grievance_to_eu > 0
    for _ in range(6):
        media.step()
        default.step()
    assert not np.array_equal(media.shares[:7], default.shares[:7])


def test_the_picked_scenarios_own_parameters_win_over_the_variant(tmp_path):
    own = write_scenario(baseline().with_changes(name="own",
                                                 parameters={"grievance_to_eu": 0.05}),
                         tmp_path / "own.toml")
    model = ExplorerModel(ExplorerSettings(str(own), variant="media_peers"), citizens=N)
    assert model.params.grievance_to_eu == 0.05 and model.params.contact_gain == 0


def test_changing_the_variant_waits_for_a_reset():
    assert not same_effect(ExplorerSettings(), ExplorerSettings(variant="media_peers"))
    assert same_effect(ExplorerSettings(variant="full"), ExplorerSettings(variant="full"))


def test_the_variant_select_sets_the_controls():
    import ipyvuetify as v

    settings = solara.reactive(ExplorerSettings())
    choices = {BUILT_IN: None}
    _, rendered = solara.render(ScenarioControls(settings, choices), handle_error=False)
    rendered.find(v.Select, label="Model variant").widget.v_model = "eu_contact"
    rendered.close()
    assert settings.value.variant == "eu_contact"


def test_averaged_draws_the_band_across_variants_around_their_weighted_mean(library):
    short = baseline().with_changes(name="short", end="2021-06")
    path = write_scenario(short, library / "short.toml")
    model = ExplorerModel(ExplorerSettings(str(path), "2021-01", variant="averaged"),
                          citizens=N)
    assert model.settings.stepped_variant == "grievance"
    band = model.variant_band
    assert band.names == variants.names() and band.weights.sum() == pytest.approx(1)
    assert band.survey.shape == (5, len(model.months), 4)
    assert np.all(band.low <= band.mean + 1e-12) and np.all(band.mean <= band.high + 1e-12)
    assert np.any(band.low < band.high)  # the variants disagree somewhere
    for _ in range(3):
        model.step()
    axes = shares_figure(model, load_waves()).axes[0]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert "range over the 5 variants" in labels
    assert any(label.startswith("weighted mean") for label in labels)
    assert ExplorerModel(ExplorerSettings(str(path), "2021-01"),
                         citizens=N).variant_band is None


# --- save as scenario ------------------------------------------------------------------

def test_saved_scenario_extends_the_pick_and_reproduces_the_app_settings(library):
    path = str(library / "reopen_2027.toml")
    settings = ExplorerSettings(path, "2025-06", {"bus_routes": 1.5, "visa_fee_eur": 10.0})
    written = save_as_scenario(settings, "what_if", library / "saved")
    assert written == library / "saved" / "what_if.toml"
    assert 'extends = "../reopen_2027.toml"' in written.read_text()
    loaded = load_scenario(written)
    expected = explorer_scenario(load_picked(path), settings)
    for name, series in expected.compile_inputs().series.items():
        assert np.array_equal(loaded.compile_inputs().series[name], series), name
    picked = load_picked(path)
    assert (loaded.name, loaded.end, loaded.citizens, loaded.seeds) == (
        "what_if", picked.end, picked.citizens, picked.seeds)
    assert "bus_routes 0.75 -> 1.5" in loaded.description


def test_saving_from_the_built_in_baseline_needs_no_extends(tmp_path):
    settings = ExplorerSettings(None, "2026-01", {"eu_bank_access": 1.0})
    written = save_as_scenario(settings, "banks", tmp_path)
    assert "extends" not in written.read_text()
    series = load_scenario(written).compile_inputs().series["eu_bank_access"]
    assert series[_month_index(baseline(), "2026-01"):].min() == 1.0


def test_save_refuses_to_overwrite_unless_asked(library):
    settings = ExplorerSettings(str(library / "baseline.toml"), levers={"visa_fee_eur": 0.0})
    written = save_as_scenario(settings, "twice", library / "saved")
    with pytest.raises(InputError, match="exists"):
        save_as_scenario(settings.with_lever("visa_fee_eur", 5.0), "twice", library / "saved")
    assert load_scenario(written).compile_inputs().series["visa_fee_eur"][-1] == 0.0
    save_as_scenario(settings.with_lever("visa_fee_eur", 5.0), "twice", library / "saved",
                     overwrite=True)
    assert load_scenario(written).compile_inputs().series["visa_fee_eur"][-1] == 5.0


@pytest.mark.parametrize("name", ["", "  ", "../escape", "a b", "-dash", "x" * 65, "é"])
def test_save_rejects_names_that_are_not_plain_file_stems(library, name):
    with pytest.raises(InputError) as caught:
        save_as_scenario(ExplorerSettings(), name, library / "saved")
    assert caught.value.key == "name"
    assert not (library / "saved").exists() or not any((library / "saved").iterdir())


def test_save_refuses_to_replace_the_scenario_it_extends(library):
    settings = ExplorerSettings(str(library / "reopen_2027.toml"))
    with pytest.raises(InputError, match="picked scenario"):
        save_as_scenario(settings, "reopen_2027", library, overwrite=True)


def test_save_replaces_a_library_scenario_only_with_the_explicit_option(library):
    picked = ExplorerSettings(str(library / "baseline.toml"), levers={"visa_fee_eur": 0.0})
    kept = (library / "reopen_2027.toml").read_bytes()
    with pytest.raises(InputError, match="unless started with --overwrite-library"):
        save_as_scenario(picked, "reopen_2027", library, overwrite=True, library=library)
    assert (library / "reopen_2027.toml").read_bytes() == kept
    save_as_scenario(picked, "reopen_2027", library, overwrite=True, library=library,
                     overwrite_library=True)
    assert load_scenario(library / "reopen_2027.toml").compile_inputs().series[
        "visa_fee_eur"][-1] == 0.0


def test_save_never_replaces_a_base_of_the_picked_scenario(library):
    # reopen_2027 extends baseline: a save named baseline would extend itself and used to
    # leave the library's baseline.toml replaced by a file that no longer loads.
    settings = ExplorerSettings(str(library / "reopen_2027.toml"), levers={"bus_routes": 1.0})
    kept = (library / "baseline.toml").read_bytes()
    with pytest.raises(InputError, match="a file it extends"):
        save_as_scenario(settings, "baseline", library, overwrite=True, library=library,
                         overwrite_library=True)
    assert (library / "baseline.toml").read_bytes() == kept


# --- the server answers its own pages only ------------------------------------------------
def _asgi(scope_type: str, headers: dict[str, str], port: int = 8765) -> list[dict]:
    """Send one request through LoopbackOnly; return what reached the client."""
    import asyncio

    from model.app.server import LoopbackOnly

    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "passed"})

    async def receive():
        return {"type": f"{scope_type}.request" if scope_type == "http" else "websocket.connect"}

    async def send(message):
        sent.append(message)

    scope = {"type": scope_type, "path": "/", "headers": [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]}
    asyncio.run(LoopbackOnly(app, port)(scope, receive, send))
    return sent


@pytest.mark.parametrize(("scope_type", "headers", "passes"), [
    ("http", {"host": "127.0.0.1:8765"}, True),  # typing the address: no Origin
    ("http", {"host": "localhost:8765", "origin": "http://localhost:8765"}, True),
    ("http", {"host": "127.0.0.1:8765", "origin": "http://evil.example"}, False),
    ("http", {"host": "127.0.0.1:8765", "origin": "null"}, False),
    ("http", {"host": "evil.example:8765"}, False),  # a DNS name rebound to 127.0.0.1
    ("http", {"host": "127.0.0.1:9999"}, False),
    ("http", {}, False),
    ("websocket", {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:8765"}, True),
    ("websocket", {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:9999"}, False),
    ("websocket", {"host": "127.0.0.1:8765", "origin": "https://127.0.0.1:8765"}, False),
    ("websocket", {"host": "127.0.0.1:8765"}, False),  # browsers always send an Origin
])
def test_the_server_refuses_foreign_hosts_and_origins(scope_type, headers, passes):
    sent = _asgi(scope_type, headers)
    if passes:
        assert sent == [{"type": "passed"}]
    elif scope_type == "http":
        assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 403
        assert b"Forbidden" in sent[1]["body"]
    else:
        assert sent == [{"type": "websocket.close", "code": 1008}]  # HTTP 403 before accept


def test_the_server_listens_on_loopback_behind_the_origin_check():
    from model.app.server import HOST
    from model.commands.app import server_command

    assert HOST == "127.0.0.1"
    assert server_command(8765)[1:] == ["-m", "model.app.server", "8765"]


# --- charts ----------------------------------------------------------------------------

def test_shares_chart_shows_the_month_and_only_the_months_run():
    model = ExplorerModel(ExplorerSettings(None, "2021-01", {"visa_fee_eur": 0.0}), citizens=N)
    for _ in range(5):
        model.step()
    figure = shares_figure(model, load_waves())
    axes = figure.axes[0]
    assert model.month in axes.get_title(loc="left")
    lines = [line for line in axes.get_lines() if len(line.get_xdata()) > 0
             and line.get_linestyle() == "-"]
    assert len(lines) == 4 and all(len(line.get_xdata()) == 6 for line in lines)
    assert any("2021-01" in text.get_text() for text in axes.texts)  # the policy month


def test_attitudes_chart_draws_residents_only_in_either_colouring():
    model = ExplorerModel(citizens=N)
    model.world.state.present[model.sample[:10]] = False  # ten sampled citizens emigrated
    for mode in COLOUR_MODES:
        axes = attitudes_figure(model, mode).axes[0]
        drawn = sum(len(c.get_offsets()) for c in axes.collections)
        assert drawn == min(N, SCATTER_SAMPLE) - 10
        assert model.month in axes.get_title(loc="left")
    with pytest.raises(ValueError, match="colour_by"):
        attitudes_figure(model, "age")


# --- the command and the assets --------------------------------------------------------

@pytest.mark.parametrize("port", ["0", "65536", "-5"])
def test_app_rejects_a_port_outside_1_65535_with_status_2(port, capsys):
    assert cli_main(["app", "--port", port]) == 2
    assert "--port" in capsys.readouterr().err


def test_app_rejects_a_port_in_use():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(InputError, match="choose another port"):
            check_port(busy.getsockname()[1])


def test_assets_are_read_from_solaras_template_and_found_in_a_cache(tmp_path):
    packages = assets.required_packages()
    assert any(p.startswith("requirejs@") for p in packages)
    assert any(p.startswith("@widgetti/solara-vuetify") for p in packages)
    assert assets.missing_packages(tmp_path) == packages
    for package in packages:
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "package.json").write_text(json.dumps({"name": package}))
    assert assets.missing_packages(tmp_path) == []
    assert assets.fetch_missing(tmp_path, npm="no-such-npm") == []


def test_fetching_assets_without_npm_says_so(tmp_path):
    with pytest.raises(RuntimeError, match="no-such-npm"):
        assets.fetch_missing(tmp_path, npm="no-such-npm")
