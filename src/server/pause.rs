//! CLIENT PAUSE: the pause in force (mode and end), and the queue of clients whose command
//! waits for it to end. The connection task waits (connection.rs) and `commands::execute`
//! decides who waits; this module only says when each may go, in arrival order.
//!
//! # Invariants
//! At most one waiting client is admitted at a time: it runs its command, then drops its
//! `Ticket`, which admits the next. So postponed commands run in the order they arrived, as
//! Redis runs its postponed clients one after the other when a pause ends.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::clock::unix_ms_now;

/// What a pause suspends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    None = 0,
    /// Writes and commands that may replicate (PUBLISH, SPUBLISH), and EXEC of a transaction
    /// holding one; key expiry stops too.
    Write = 1,
    /// Every command of normal clients.
    All = 2,
}

/// The longest the pause timer sleeps before it looks again (a pause of years still ends
/// on time: the timer wakes once a day until its end).
const TIMER_SLEEP_MAX: Duration = Duration::from_secs(24 * 3600);

#[derive(Default)]
pub struct Pause {
    /// The mode in force, as `PauseMode as u8`: the one load every command pays.
    mode: AtomicU8,
    state: Mutex<State>,
}

struct State {
    mode: PauseMode,
    /// Unix milliseconds when the pause ends.
    end_unix_ms: u64,
    /// Waiting clients by arrival ticket.
    waiting: BTreeMap<u64, Waiting>,
    next_ticket: u64,
    /// Whether a timer task is sleeping toward the end; bumped by UNPAUSE so an old timer
    /// quits instead of ending a later pause early.
    timer_generation: u64,
    timer_running: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            mode: PauseMode::None,
            end_unix_ms: 0,
            waiting: BTreeMap::new(),
            next_ticket: 0,
            timer_generation: 0,
            timer_running: false,
        }
    }
}

struct Waiting {
    is_write: bool,
    admitted: bool,
    wake: Arc<Notify>,
}

/// A client's place in the queue; dropping it (command run, or the client gone) admits the
/// next client.
pub struct Ticket {
    pause: Arc<Pause>,
    id: u64,
    wake: Arc<Notify>,
}

impl Pause {
    /// The mode in force (one relaxed load).
    pub fn mode(&self) -> PauseMode {
        match self.mode.load(Relaxed) {
            0 => PauseMode::None,
            1 => PauseMode::Write,
            _ => PauseMode::All,
        }
    }

    /// Whether a command that writes (`is_write`) must wait now.
    pub fn holds(&self, is_write: bool) -> bool {
        match self.mode() {
            PauseMode::None => false,
            PauseMode::Write => is_write,
            PauseMode::All => true,
        }
    }

    /// Clients waiting for the pause to end (counted in INFO `blocked_clients`).
    pub fn waiting_clients(&self) -> usize {
        self.state.lock().waiting.len()
    }

    /// CLIENT PAUSE: pauses `mode` until `end_unix_ms`. A pause in force is only extended
    /// and made stricter, never shortened or relaxed, as Redis keeps the most restrictive.
    pub fn pause(self: &Arc<Self>, mode: PauseMode, end_unix_ms: u64) {
        let mut state = self.state.lock();
        state.mode = state.mode.max(mode);
        state.end_unix_ms = state.end_unix_ms.max(end_unix_ms);
        self.publish(state.mode);
        if !state.timer_running {
            state.timer_running = true;
            let generation = state.timer_generation;
            let pause = self.clone();
            tokio::spawn(async move { pause.run_timer(generation).await });
        }
    }

    /// CLIENT UNPAUSE, or the end reached: waiting clients go, oldest first.
    pub fn unpause(&self) {
        let mut state = self.state.lock();
        self.end(&mut state);
    }

    fn end(&self, state: &mut State) {
        state.mode = PauseMode::None;
        state.end_unix_ms = 0;
        state.timer_generation += 1;
        state.timer_running = false;
        self.publish(PauseMode::None);
        admit_next(state);
    }

    fn publish(&self, mode: PauseMode) {
        self.mode.store(mode as u8, Relaxed);
        // The flag is process-wide: unit tests leave it alone, as the keyspace's own tests
        // run beside them in the same process.
        if !cfg!(test) {
            crate::store::keyspace::set_expiry_paused(mode != PauseMode::None);
        }
    }

    /// Sleeps until the pause's end (which may move later meanwhile), then ends it.
    async fn run_timer(&self, generation: u64) {
        loop {
            let wait_ms = {
                let mut state = self.state.lock();
                if state.timer_generation != generation {
                    return;
                }
                let now = unix_ms_now();
                if now >= state.end_unix_ms {
                    self.end(&mut state);
                    return;
                }
                state.end_unix_ms - now
            };
            tokio::time::sleep(Duration::from_millis(wait_ms).min(TIMER_SLEEP_MAX)).await;
        }
    }

    /// Queues a client whose command must wait; `is_write` says whether a WRITE pause holds
    /// it. Await `Ticket::admitted` before running the command again.
    pub fn enqueue(self: &Arc<Self>, is_write: bool) -> Ticket {
        let wake = Arc::new(Notify::new());
        let mut state = self.state.lock();
        state.next_ticket += 1;
        let id = state.next_ticket;
        state.waiting.insert(id, Waiting { is_write, admitted: false, wake: wake.clone() });
        // The pause may have ended between the caller's check and now.
        admit_next(&mut state);
        Ticket { pause: self.clone(), id, wake }
    }
}

impl Ticket {
    /// Returns once this client may run its command.
    pub async fn admitted(&self) {
        loop {
            let admitted = {
                let state = self.pause.state.lock();
                state.waiting.get(&self.id).is_none_or(|w| w.admitted)
            };
            if admitted {
                return;
            }
            // `notify_one` keeps a permit when nobody waits yet, so no wake-up is lost.
            self.wake.notified().await;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut state = self.pause.state.lock();
        state.waiting.remove(&self.id);
        admit_next(&mut state);
    }
}

/// Admits the oldest waiting client the pause in force lets through, unless one is already
/// admitted (it runs first).
fn admit_next(state: &mut State) {
    if state.waiting.values().any(|w| w.admitted) {
        return;
    }
    let mode = state.mode;
    let next = state.waiting.values_mut().find(|w| match mode {
        PauseMode::None => true,
        PauseMode::Write => !w.is_write,
        PauseMode::All => false,
    });
    if let Some(waiting) = next {
        waiting.admitted = true;
        waiting.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_clients_go_in_arrival_order() {
        let pause = Arc::new(Pause::default());
        pause.pause(PauseMode::Write, unix_ms_now() + 60_000);
        assert!(pause.holds(true));
        assert!(!pause.holds(false));
        let first = pause.enqueue(true);
        let second = pause.enqueue(true);
        assert_eq!(pause.waiting_clients(), 2);
        pause.unpause();
        first.admitted().await;
        {
            let state = pause.state.lock();
            assert!(!state.waiting.get(&second.id).is_some_and(|w| w.admitted));
        }
        drop(first);
        second.admitted().await;
        drop(second);
        assert_eq!(pause.waiting_clients(), 0);
    }

    #[tokio::test]
    async fn a_later_pause_only_extends_and_tightens() {
        let pause = Arc::new(Pause::default());
        let now = unix_ms_now();
        pause.pause(PauseMode::All, now + 60_000);
        pause.pause(PauseMode::Write, now + 10);
        assert_eq!(pause.mode(), PauseMode::All);
        assert_eq!(pause.state.lock().end_unix_ms, now + 60_000);
        pause.unpause();
        assert_eq!(pause.mode(), PauseMode::None);
    }
}
