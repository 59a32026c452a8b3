//! The one error type of the crate.

use std::path::PathBuf;

/// What went wrong reading, rendering, writing or upgrading a template.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template has no `copier.yml` / `copier.yaml`, or it cannot be read.
    #[error("{path}: {message}")]
    Config {
        /// The configuration file (or the template folder when it has none).
        path: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A question is declared in a way copier would not accept.
    #[error("copier.yml: question `{question}`: {message}")]
    Question {
        /// The question's name.
        question: String,
        /// What is wrong with it.
        message: String,
    },
    /// The template runs shell commands (`_tasks`, `_migrations`) and trust was not given.
    #[error(
        "the template declares {setting}, which run shell commands on this machine; \
         read them in copier.yml and pass --trust to allow them"
    )]
    Untrusted {
        /// `_tasks` or `_migrations`.
        setting: &'static str,
    },
    /// A command of `_tasks` or `_migrations` failed or could not start.
    #[error("copier.yml: {setting}[{index}] (`{command}`) failed: {status}")]
    TaskFailed {
        /// `_tasks` or `_migrations`.
        setting: String,
        /// The item's 0-based position in the setting.
        index: usize,
        /// The command as `copier.yml` writes it (unrendered, so no answer is shown).
        command: String,
        /// The exit status, or why it could not start.
        status: String,
    },
    /// A Jinja syntax or render error, located in the template.
    #[error("{file}:{line}: {message}")]
    Jinja {
        /// The template file (or `copier.yml` setting) that failed.
        file: String,
        /// The 1-based line of the error (0 when minijinja gives none).
        line: usize,
        /// minijinja's message.
        message: String,
        /// minijinja's error, for its kind and byte range. Not a `source`: the message above
        /// already says everything it would, and printing chains would repeat it.
        error: minijinja::Error,
    },
    /// An answer failed its question's validator or could not be cast to its type.
    #[error("question `{question}`: {message}")]
    InvalidAnswer {
        /// The question's name.
        question: String,
        /// The validator's message or the cast failure.
        message: String,
    },
    /// Questions have no answer and none may be asked (no terminal, no `--defaults`).
    #[error("missing answers (questions without a default, and no terminal to ask on): {}", .0.join(", "))]
    MissingAnswers(Vec<String>),
    /// The destination exists and is not empty.
    #[error("{}: the destination exists and is not empty (pass --overwrite to write into it)", .0.display())]
    DestinationNotEmpty(PathBuf),
    /// A rendered path would leave the destination.
    #[error("{path}: the template writes outside the destination")]
    PathEscapes {
        /// The rendered path.
        path: String,
    },
    /// The destination has no answers file, so it was not made from a template.
    #[error("{}: no answers file ({answers_file}); was this made from a template?", .dest.display())]
    NoAnswersFile {
        /// The repository.
        dest: PathBuf,
        /// The answers file looked for.
        answers_file: String,
    },
    /// The answers file is not what copier writes.
    #[error("{}: {message}", .path.display())]
    AnswersFile {
        /// The answers file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A version (tag or commit) that the template does not have.
    #[error("template {template}: no version {reference}")]
    UnknownVersion {
        /// The template's source.
        template: String,
        /// The tag or commit asked for.
        reference: String,
    },
    /// Cloning a template's repository failed.
    #[error("cloning {url}: {source}")]
    Clone {
        /// The URL as given.
        url: String,
        /// gix's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Reading a git repository failed.
    #[error("git: {0}")]
    Git(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl TemplateError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// Locates a minijinja error in `file`.
    pub(crate) fn jinja(file: &str, source: minijinja::Error) -> Self {
        let mut message = source.kind().to_string();
        if let Some(detail) = source.detail() {
            message = format!("{message}: {detail}");
        }
        Self::Jinja {
            file: file.to_owned(),
            line: source.line().unwrap_or(0),
            message,
            error: source,
        }
    }
}
