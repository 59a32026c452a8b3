//! `_tasks` and `_migrations`: shell commands a trusted template runs in the destination, as
//! copier runs them: rendered with the answers, in the destination (or a `working_directory`
//! under it), `sh -c` for a string and argv for a list, stopping at the first failure.

mod migration;
mod task;

use std::path::Path;
use std::process::Command;

use minijinja::Value as JinjaValue;
use serde_json::Value;

pub use migration::{Migration, Stage, parse_migrations};
pub use task::{CommandLine, Task};

use crate::TemplateError;
use crate::answers::cast_to_bool;
use crate::config::Envops;
use crate::render::{ExternalDataSpec, Renderer};

/// What a command runs for: a new repository or an upgrade (`_copier_operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `platformctl new` (copier's `copy`).
    Copy,
    /// `platformctl template upgrade` (copier's `update`).
    Update,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Self::Copy => "copy",
            Self::Update => "update",
        }
    }
}

/// The commands of one template version with what renders them: its `_tasks`, its
/// `_migrations`, its Jinja options and the render context of the answers.
#[derive(Debug, Clone)]
pub struct Commands {
    /// `_tasks`.
    pub tasks: Vec<Task>,
    /// `_migrations`.
    pub migrations: Vec<Migration>,
    /// `_envops`, for the renderer.
    pub envops: Envops,
    /// `_external_data`, which commands may read too.
    pub external_data: Vec<(String, String)>,
    /// The answers and copier's variables.
    pub context: JinjaValue,
}

impl Commands {
    /// Whether there is nothing to run.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty() && self.migrations.is_empty()
    }

    fn renderer(&self, dest: &Path) -> Result<Renderer, TemplateError> {
        Ok(
            Renderer::new(&self.envops)?.with_external_data(ExternalDataSpec {
                dest: dest.to_owned(),
                paths: self.external_data.clone(),
            }),
        )
    }

    /// Runs every `_tasks` command whose `when` holds, in order, in `dest`; returns how many ran.
    pub fn run_tasks(&self, dest: &Path, operation: Operation) -> Result<usize, TemplateError> {
        let renderer = self.renderer(dest)?;
        // As copier: `_stage` is `task` for tasks (`before` / `after` for migrations).
        let extra = [
            ("copier_operation", operation.name().to_owned()),
            ("stage", "task".to_owned()),
        ];
        let mut ran = 0;
        for (index, task) in self.tasks.iter().enumerate() {
            ran += usize::from(run(
                &renderer,
                &self.context,
                &extra,
                "_tasks",
                index,
                task,
                dest,
            )?);
        }
        Ok(ran)
    }

    /// Runs, in `dest`, the migrations an upgrade from `from` to `to` crosses whose `when`
    /// holds at `stage`, oldest version first; returns how many ran.
    pub fn run_migrations(
        &self,
        dest: &Path,
        stage: Stage,
        from: &str,
        to: &str,
    ) -> Result<usize, TemplateError> {
        let renderer = self.renderer(dest)?;
        let mut crossed: Vec<(usize, &Migration)> = self
            .migrations
            .iter()
            .enumerate()
            .filter(|(_, m)| m.crossed(from, to))
            .collect();
        crossed.sort_by(|a, b| crate::source::compare_versions(&a.1.version, &b.1.version));
        let mut ran = 0;
        for (index, migration) in crossed {
            let extra = [
                ("copier_operation", "update".to_owned()),
                ("stage", stage.name().to_owned()),
                ("version_from", from.to_owned()),
                ("version_to", to.to_owned()),
                ("version_current", migration.version.clone()),
            ];
            let task = &migration.task;
            ran += usize::from(run(
                &renderer,
                &self.context,
                &extra,
                "_migrations",
                index,
                task,
                dest,
            )?);
        }
        Ok(ran)
    }
}

/// Runs `task` (item `index` of `setting`) when its `when` holds; whether it ran. `extra`
/// variables are seen by templates as `_NAME` and by the command as `NAME` in its environment.
fn run(
    renderer: &Renderer,
    context: &JinjaValue,
    extra: &[(&str, String)],
    setting: &str,
    index: usize,
    task: &Task,
    dest: &Path,
) -> Result<bool, TemplateError> {
    let mut variables = std::collections::BTreeMap::new();
    for (name, value) in extra {
        variables.insert(format!("_{name}"), value.clone());
    }
    let context = minijinja::context! { ..JinjaValue::from(minijinja::value::Serde(&variables)), ..context.clone() };
    let file = format!("copier.yml ({setting}[{index}])");
    let render = |text: &str| renderer.render(&file, text, &context);
    let runs = match &task.when {
        None => true,
        Some(Value::String(template)) => cast_to_bool(&Value::String(render(template)?)),
        Some(other) => cast_to_bool(other),
    };
    if !runs {
        return Ok(false);
    }
    let directory = dest.join(render(&task.working_directory)?);
    let mut command = match &task.command {
        CommandLine::Shell(text) => {
            let mut command = Command::new("sh");
            command.arg("-c").arg(render(text)?);
            command
        }
        CommandLine::Argv(items) => {
            let rendered = items
                .iter()
                .map(|item| render(item))
                .collect::<Result<Vec<_>, _>>()?;
            let mut command = Command::new(&rendered[0]);
            command.args(&rendered[1..]);
            command
        }
    };
    command.current_dir(&directory);
    for (name, value) in extra {
        command.env(name.to_uppercase(), value);
    }
    let failed = |status: String| TemplateError::TaskFailed {
        setting: setting.to_owned(),
        index,
        command: task.command.source_text(),
        status,
    };
    let status = command.status().map_err(|e| failed(e.to_string()))?;
    if !status.success() {
        return Err(failed(status.to_string()));
    }
    Ok(true)
}
