//! Tests of the interface: App::update per action, snapshots of every screen.
