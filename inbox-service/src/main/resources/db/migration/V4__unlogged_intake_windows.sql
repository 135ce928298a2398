-- Intake-limit counters are per-minute and disposable: no WAL for them (a crash only resets the windows).
ALTER TABLE intake_window SET UNLOGGED;
