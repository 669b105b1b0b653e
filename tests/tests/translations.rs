//! The course in Chinese (简体中文) stays in step with the English: every `README.md` has a
//! `README.zh-CN.md` beside it, each links to the other at its top, and the two have the same
//! sections in the same order, the same code blocks (so the same console blocks, commands and
//! output), and the same exercise rows.
//!
//! Each section of a Chinese page carries, on the line after its heading, a marker
//! `<!-- en: 1a2b3c4d -->`: a hash of the English section it translates. When an English
//! section changes, its hash changes, and this test names the section whose translation is
//! now behind: update the Chinese section, then its marker to the hash the test prints.

use std::fs;
use std::path::{Path, PathBuf};

use course_tests::exercises::{self, zh};
use course_tests::{TIMEOUT, lesson_bin, marker, readme, workspace_root};
use snapbox::cmd::Command;

/// Every page that has a translation.
fn pages() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut pages = vec![root.join("README.md")];
    for entry in fs::read_dir(&root).expect("the workspace root") {
        let dir = entry.expect("an entry").path();
        let is_lesson = dir
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("lesson"));
        if is_lesson && dir.join("README.md").exists() {
            pages.push(dir.join("README.md"));
        }
    }
    pages.sort();
    pages
}

fn chinese(page: &Path) -> PathBuf {
    page.with_file_name("README.zh-CN.md")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// A page's sections: each heading line with the text up to the next heading. Lines inside
/// fenced blocks are never headings.
fn sections(markdown: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            sections.push((line.to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    sections
}

/// The heading's level: `##` is 2.
fn level(heading: &str) -> usize {
    heading.chars().take_while(|c| *c == '#').count()
}

/// The marker of an English section: its heading and body.
fn hash(heading: &str, body: &str) -> String {
    marker(&format!("{heading}{}", body.trim()))
}

/// The marker on the first line of a Chinese section's body.
fn marker_in(body: &str) -> Option<&str> {
    body.lines()
        .next()?
        .trim()
        .strip_prefix("<!-- en: ")?
        .strip_suffix(" -->")
}

/// Every fenced block, with its language, in order; but for ```sh blocks, whose comments are
/// for the reader and so are translated.
fn fenced_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<String> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match open.take() {
            None if trimmed.starts_with("```") => open = Some(format!("{trimmed}\n")),
            None => {}
            Some(block) if trimmed == "```" && block.starts_with("```sh\n") => {}
            Some(block) if trimmed == "```" => blocks.push(block),
            Some(mut block) => {
                block.push_str(line);
                block.push('\n');
                open = Some(block);
            }
        }
    }
    blocks
}

/// The `cargo exercise …` commands of a page's exercise rows, in order.
fn exercise_rows(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter(|line| line.starts_with('|'))
        .filter_map(|line| {
            let start = line.find("`cargo exercise ")?;
            let end = line[start + 1..].find('`')? + start + 2;
            Some(line[start..end].to_string())
        })
        .collect()
}

/// What is out of step between an English page and its translation, one line each.
fn out_of_step(english: &str, chinese: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let head = |text: &str| text.lines().take(8).collect::<Vec<_>>().join("\n");
    if !head(english).contains("(README.zh-CN.md)") {
        problems.push("the English page does not link README.zh-CN.md at its top".to_string());
    }
    if !head(chinese).contains("(README.md)") {
        problems.push("the Chinese page does not link README.md at its top".to_string());
    }
    let (en, zh) = (sections(english), sections(chinese));
    if en.len() != zh.len() {
        problems.push(format!(
            "{} sections in English, {} in Chinese",
            en.len(),
            zh.len()
        ));
    }
    for ((en_heading, en_body), (zh_heading, zh_body)) in en.iter().zip(&zh) {
        if level(en_heading) != level(zh_heading) {
            problems.push(format!(
                "`{en_heading}` and `{zh_heading}` are headings of different levels"
            ));
        }
        let expected = hash(en_heading, en_body);
        match marker_in(zh_body) {
            Some(found) if found == expected => {}
            Some(found) => problems.push(format!(
                "`{en_heading}` changed since `{zh_heading}` was translated (marker {found}): update the translation, then its marker to <!-- en: {expected} -->"
            )),
            None => problems.push(format!(
                "`{zh_heading}` has no marker: put <!-- en: {expected} --> on the line after it"
            )),
        }
    }
    if fenced_blocks(english) != fenced_blocks(chinese) {
        problems.push(
            "the code blocks differ (console blocks, commands and output, and code must be the same)"
                .to_string(),
        );
    }
    if exercise_rows(english) != exercise_rows(chinese) {
        problems.push("the exercise rows differ".to_string());
    }
    problems
}

#[test]
fn every_readme_has_a_chinese_translation_in_step_with_it() {
    let mut problems = Vec::new();
    for page in pages() {
        let zh = chinese(&page);
        if !zh.exists() {
            problems.push(format!("{}: no translation", zh.display()));
            continue;
        }
        for problem in out_of_step(&read(&page), &read(&zh)) {
            problems.push(format!("{}: {problem}", zh.display()));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_chinese_console_blocks_run_as_shown() {
    for page in pages() {
        let zh = chinese(&page);
        if zh.exists() {
            readme::check(&zh);
        }
    }
}

const ENGLISH: &str = "# Lesson 9: x\n\n[简体中文](README.zh-CN.md)\n\n## Run it\n\nText.\n\n```console\n$ cargo run -q -p lesson09-x\nout\n```\n\n| `cargo exercise lesson09/a` |\n";

fn translated(english: &str) -> String {
    let mut out = String::new();
    for (heading, body) in sections(english) {
        out += &format!("{heading} (中文)\n<!-- en: {} -->\n", hash(&heading, &body));
        out += &body
            .replace("Text.", "文字。")
            .replace("[简体中文](README.zh-CN.md)", "[English](README.md)");
    }
    out
}

#[test]
fn a_translation_in_step_passes() {
    assert_eq!(
        out_of_step(ENGLISH, &translated(ENGLISH)),
        Vec::<String>::new()
    );
}

#[test]
fn a_console_block_or_section_added_to_one_language_only_is_caught() {
    let zh = translated(ENGLISH);
    let block = "```console\n$ cargo run -q -p lesson09-x -- --plain\nplain\n```\n";

    let more_english = format!("{ENGLISH}\n{block}");
    let problems = out_of_step(&more_english, &zh);
    assert!(
        problems.iter().any(|p| p.contains("code blocks differ")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("changed since")),
        "the section that grew is named: {problems:?}"
    );

    let more_chinese = format!("{zh}\n{block}");
    assert!(
        out_of_step(ENGLISH, &more_chinese)
            .iter()
            .any(|p| p.contains("code blocks differ"))
    );

    let new_section = format!("{ENGLISH}\n## Deeper\n\nMore.\n");
    let problems = out_of_step(&new_section, &zh);
    assert!(
        problems
            .iter()
            .any(|p| p == "3 sections in English, 2 in Chinese"),
        "{problems:?}"
    );

    let edited = ENGLISH.replace("Text.", "Other text.");
    let problems = out_of_step(&edited, &zh);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("`## Run it` changed since")),
        "{problems:?}"
    );
}

#[test]
fn every_exercise_has_its_statement_and_hints_in_chinese() {
    let mut problems = Vec::new();
    for exercise in exercises::all() {
        let Some(zh) = zh::of(exercise.id) else {
            problems.push(format!("{}: no Chinese statement and hints", exercise.id));
            continue;
        };
        if zh.hints.len() != exercise.hints.len() {
            problems.push(format!(
                "{}: {} hints in English, {} in Chinese",
                exercise.id,
                exercise.hints.len(),
                zh.hints.len()
            ));
        }
        let expected = exercise.english_marker();
        if zh.en != expected {
            problems.push(format!(
                "{}: the English statement or hints changed since they were translated: update the translation in tests/src/exercises/zh.rs, then its `en` to \"{expected}\"",
                exercise.id
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn hints_and_statements_come_in_chinese_when_asked() {
    let exercise = || {
        Command::new(lesson_bin("exercise"))
            .current_dir(workspace_root())
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .timeout(TIMEOUT)
    };
    let hint = |command: Command| {
        String::from_utf8(command.output().expect("runs").stdout).expect("UTF-8")
    };
    let english = hint(
        exercise()
            .env("LANG", "C")
            .args(["lesson01/children", "--hint", "1"]),
    );
    assert!(
        english.starts_with("hint 1 of 3 for lesson01/children: "),
        "{english}"
    );
    let asked = hint(exercise().env("LANG", "C").args([
        "lesson01/children",
        "--hint",
        "1",
        "--lang",
        "zh",
    ]));
    assert!(
        asked.starts_with("lesson01/children 的提示 1/3："),
        "{asked}"
    );
    let by_locale =
        hint(
            exercise()
                .env("LANG", "zh_CN.UTF-8")
                .args(["lesson01/children", "--hint", "1"]),
        );
    assert_eq!(by_locale, asked);
    let overridden = hint(exercise().env("LANG", "zh_CN.UTF-8").args([
        "lesson01/children",
        "--hint",
        "1",
        "--lang",
        "en",
    ]));
    assert_eq!(overridden, english);
    let statement = hint(exercise().args(["lesson01/children", "--statement", "--lang", "zh"]));
    assert!(
        statement.starts_with("练习 lesson01/children"),
        "{statement}"
    );
    let statement = hint(exercise().args(["lesson01/children", "--statement", "--lang", "en"]));
    assert!(
        statement.starts_with("Exercise lesson01/children"),
        "{statement}"
    );
}
