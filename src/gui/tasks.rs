//! The one registry of the app's background tasks: each has a name, can be cancelled, and is polled from
//! `App::logic`. A task is running exactly while it is in the registry (rerun's `BackgroundTasks`, by name).

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

use eframe::egui;

use super::worker::{Message, Running};

/// What a background task is for; at most one of each runs at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskName {
    Lookup,
    Matrix,
    Setup,
    LanguageChange,
    /// One action of the session after the lookup (the Tokens tab's buttons).
    Session,
    OpenFile,
    HistoryLoad,
    Save,
    /// A system file dialog that is open (its answer is the chosen path).
    Dialog,
    /// Storing a CA for an environment and checking the answer again with it.
    TrustCa,
    /// Reading or setting the built-in emulator's faults.
    Faults,
}

/// How the registry hears from a task.
enum Handle {
    /// Work on the runtime: cancelling aborts it.
    Worker(Running),
    /// Work done elsewhere (the history writer's thread) that answers on a channel: cancelling drops the answer.
    Reply(Receiver<Message>),
}

impl Handle {
    fn rx(&self) -> &Receiver<Message> {
        match self {
            Handle::Worker(r) => &r.rx,
            Handle::Reply(rx) => rx,
        }
    }
}

/// Where work done outside the runtime sends its one answer; waking the UI when it does.
pub struct Reply {
    tx: Sender<Message>,
    ctx: egui::Context,
}

impl Reply {
    pub fn send(self, m: Message) {
        // The receiver is gone when the task was cancelled: the answer is not wanted then.
        let _ = self.tx.send(m);
        self.ctx.request_repaint();
    }
}

#[derive(Default)]
pub struct Tasks {
    running: Vec<(TaskName, Handle)>,
}

impl Tasks {
    pub fn is_running(&self, name: TaskName) -> bool {
        self.running.iter().any(|(n, _)| *n == name)
    }

    /// Registers work started on the runtime; one already running under the same name is cancelled.
    pub fn insert(&mut self, name: TaskName, running: Running) {
        self.cancel(name);
        self.running.push((name, Handle::Worker(running)));
    }

    /// Registers work that answers through the returned `Reply`; one already running under the name is cancelled.
    pub fn reply(&mut self, name: TaskName, ctx: &egui::Context) -> Reply {
        self.cancel(name);
        let (tx, rx) = channel();
        self.running.push((name, Handle::Reply(rx)));
        Reply {
            tx,
            ctx: ctx.clone(),
        }
    }

    /// Stops a task; its later messages are never seen. Whether one was running.
    pub fn cancel(&mut self, name: TaskName) -> bool {
        let Some(at) = self.running.iter().position(|(n, _)| *n == name) else {
            return false;
        };
        if let (_, Handle::Worker(r)) = self.running.remove(at) {
            r.cancel();
        }
        true
    }

    /// Everything the tasks have sent since the last poll, in order per task. A task leaves the registry with its
    /// final message; one that stops without sending it (it panicked) ends with `Message::Failed`.
    pub fn poll(&mut self) -> Vec<(TaskName, Message)> {
        let mut out = Vec::new();
        self.running.retain(|(name, handle)| {
            loop {
                match handle.rx().try_recv() {
                    Ok(m) => {
                        let last = m.is_final();
                        out.push((*name, m));
                        if last {
                            return false;
                        }
                    }
                    Err(TryRecvError::Empty) => return true,
                    Err(TryRecvError::Disconnected) => {
                        out.push((
                            *name,
                            Message::Failed(format!(
                                "the background task ({name:?}) stopped without an answer; try again"
                            )),
                        ));
                        return false;
                    }
                }
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_task_runs_until_its_answer_and_cancel_drops_it() {
        let ctx = egui::Context::default();
        let mut tasks = Tasks::default();
        let reply = tasks.reply(TaskName::HistoryLoad, &ctx);
        assert!(tasks.is_running(TaskName::HistoryLoad));
        assert!(tasks.poll().is_empty());
        reply.send(Message::Saved(Ok("x".into())));
        let got = tasks.poll();
        assert!(matches!(
            got[..],
            [(TaskName::HistoryLoad, Message::Saved(Ok(_)))]
        ));
        assert!(!tasks.is_running(TaskName::HistoryLoad));

        let reply = tasks.reply(TaskName::Save, &ctx);
        assert!(tasks.cancel(TaskName::Save));
        reply.send(Message::Saved(Ok("late".into())));
        assert!(
            tasks.poll().is_empty(),
            "a cancelled task's answer is not seen"
        );
        assert!(!tasks.cancel(TaskName::Save));
    }

    #[test]
    fn a_task_that_dies_without_an_answer_fails() {
        let ctx = egui::Context::default();
        let mut tasks = Tasks::default();
        drop(tasks.reply(TaskName::OpenFile, &ctx));
        let got = tasks.poll();
        assert!(matches!(
            got[..],
            [(TaskName::OpenFile, Message::Failed(_))]
        ));
        assert!(!tasks.is_running(TaskName::OpenFile));
    }
}
