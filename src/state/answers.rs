//! The standard answers on this device: read from storage when they change
//! (a sync brought some, a manager saved one), indexed once for the search
//! that runs at every keystroke, and the two writes: a manager's edit, and
//! "used this answer" on a complaint (a timeline entry).

use std::sync::Arc;

use complaints_domain::answers::{self, Answer, AnswerIndex, Audience, Reader};
use complaints_domain::{Complaint, StoreError};
use leptos::prelude::*;

use super::{AppState, SaveError};

/// The answers and their search index, kept together: the index's hit
/// positions point into this list.
#[derive(Clone)]
pub struct AnswerBook {
    pub list: Arc<Vec<Answer>>,
    pub index: Arc<AnswerIndex>,
}

impl Default for AnswerBook {
    fn default() -> AnswerBook {
        AnswerBook::new(Vec::new())
    }
}

impl AnswerBook {
    fn new(list: Vec<Answer>) -> AnswerBook {
        AnswerBook {
            index: Arc::new(AnswerIndex::new(&list)),
            list: Arc::new(list),
        }
    }

    /// A number that changes at every reload (the list's address), for
    /// views that re-read something of the answers when they change.
    pub fn generation(&self) -> u64 {
        Arc::as_ptr(&self.list) as usize as u64
    }

    /// The teaching cases that relate to answer `id`.
    pub fn cases_of(&self, id: &str) -> Vec<&Answer> {
        self.list
            .iter()
            .filter(|a| {
                a.case
                    .as_ref()
                    .is_some_and(|c| c.related.iter().any(|r| r == id))
            })
            .collect()
    }

    /// The answer with `id`.
    pub fn get(&self, id: &str) -> Option<&Answer> {
        self.list.iter().find(|a| a.id == id)
    }
}

// A new book is a new list: compared by identity, so a signal holding one
// notifies on every reload and never compares thousands of answers.
impl PartialEq for AnswerBook {
    fn eq(&self, other: &AnswerBook) -> bool {
        Arc::ptr_eq(&self.list, &other.list)
    }
}

impl AppState {
    /// Re-reads the answers from storage into [`Self::answers`].
    pub async fn reload_answers(&self) -> Result<(), StoreError> {
        let Some(engine) = self.engine() else {
            return Ok(());
        };
        self.answers.set(AnswerBook::new(engine.answers().await?));
        Ok(())
    }

    /// Who the signed-in user is, as the answers' rules ask it, given to `f`.
    fn with_reader<R>(&self, f: impl FnOnce(&Reader) -> R) -> Option<R> {
        self.auth.with(|a| {
            let session = a.session()?;
            let scope = session.scope.scope();
            let reader = Reader {
                role: session.user.role,
                region: session.user.region_code.as_deref(),
                scope: &scope,
            };
            Some(f(&reader))
        })
    }

    /// The audiences the signed-in user may write answers for, widest
    /// first: everyone (administrators), their region, each of their
    /// branches. Empty for staff.
    pub fn answer_audiences(&self) -> Vec<Audience> {
        self.with_reader(|reader| {
            let mut options = vec![Audience::All];
            options.extend(reader.region.map(|r| Audience::Region(r.to_string())));
            let branches = self.auth.with(|a| {
                a.session()
                    .map(|s| s.scope.branches.clone())
                    .unwrap_or_default()
            });
            options.extend(branches.into_iter().map(Audience::Branch));
            options.retain(|a| answers::may_write(reader, a));
            options
        })
        .unwrap_or_default()
    }

    /// Whether the signed-in user may change the answer `id`.
    pub fn may_edit_answer(&self, id: &str) -> bool {
        answers::parse_id(id)
            .and_then(|(audience, _)| self.with_reader(|r| answers::may_write(r, &audience)))
            .unwrap_or(false)
    }

    /// Saves a manager's edit (or a new answer): only what changed is
    /// queued; `false` when nothing did.
    pub async fn save_answer(&self, answer: &Answer) -> Result<bool, SaveError> {
        let engine = self.ready()?;
        let editor = self.actor().name;
        let saved = engine.save_answer(answer, &editor).await?;
        if saved {
            self.queued(None);
            self.reload_answers().await?;
        }
        Ok(saved)
    }

    /// Settles a field of answer `id` on `value` (ends a conflict).
    pub async fn choose_answer_value(
        &self,
        id: &str,
        field: &str,
        value: serde_json::Value,
    ) -> Result<(), SaveError> {
        self.ready()?.choose_answer_value(id, field, value).await?;
        self.queued(None);
        self.reload_answers().await?;
        Ok(())
    }

    /// The teaching case of closed complaint `id`, for its branch when the
    /// user writes for it (else their widest audience): made and queued the
    /// first time, opened after. Its id, for the editor.
    pub async fn make_case(&self, id: &str) -> Result<String, SaveError> {
        let complaint = self
            .complaints
            .with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
            .ok_or(SaveError::NotReady)?;
        let audiences = self.answer_audiences();
        let audience = audiences
            .iter()
            .find(|a| **a == Audience::Branch(complaint.branch_code.clone()))
            .or(audiences.first())
            .cloned()
            .ok_or(SaveError::NotReady)?;
        let case_id = complaints_domain::cases::case_id(&complaint, &audience);
        if self.answers.with_untracked(|b| b.get(&case_id).is_some()) {
            return Ok(case_id);
        }
        // The answers it relates to: those used on it, then those it suggests.
        let used = answers::used_on(&complaint).map(str::to_string);
        let suggested = self.answers.with_untracked(|b| {
            b.index
                .suggest(&complaint.content, Some(complaint.category), 3)
                .into_iter()
                .map(|h| b.list[h.index].id.clone())
                .collect::<Vec<_>>()
        });
        let mut related: Vec<String> = Vec::new();
        for a in used.chain(suggested) {
            if !related.contains(&a) {
                related.push(a);
            }
        }
        related.truncate(answers::MAX_KEYWORDS);
        let case = complaints_domain::cases::case_from_complaint(
            &complaint,
            &audience,
            related,
            self.lang.get_untracked(),
        );
        self.save_answer(&case).await?;
        Ok(case_id)
    }

    /// Records on complaint `id` that `answer` was given to the customer.
    pub async fn use_answer(&self, id: &str, answer: &Answer) -> Result<Complaint, SaveError> {
        let answer = answer.clone();
        self.handle(
            id,
            Box::new(move |c, actor, entry_id, now| {
                complaints_domain::handling::add_entry(
                    c,
                    answers::usage_entry(&answer, entry_id, &actor, now),
                )
            }),
        )
        .await
    }
}
