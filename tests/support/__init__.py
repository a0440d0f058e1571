"""Helpers the tests share (not tests themselves); test modules import from here, never from each other.

paths      ROOT, DEMO_EVIDENCE, WORLD_NOW
tenant     the emulated demo tenant: fixtures `tenant`, `emu` (plugin); sweep(), statuses(); the canary world
oss        moto as OSS: start_moto_s3, LocalServer; fixtures `moto_server`, `s3`, `bucket`, `oss_store` (plugin)
cloud      the FC handlers' world: context(), load_handler(), timer_event(), FcStandIn; fixtures `moto`, `cloud` (plugin)
dingtalk   the DingTalk robot stand-in (start_receiver), a client for it with a fake clock
messages   make_finding(), digest(), text_of(), live_markup()
report     the HTML report read back (parse, page_data), a hostile run, open_page() in the browser
stores     stores that record the order of their writes
ocsf       assert_valid(): what the OCSF schema requires of an event
emulator   the emulator tests' small world, its credentials, make_config()
fc_runtime the local FC runtime's tiny function (write_tiny: its template and handler), fc2_client(), payload()
deploy     template.yml, s.yaml, the handlers' files, resolve_sub()
waivers    waiver_yaml()
csv_reader findings read back from dwdiag's CSV
"""
