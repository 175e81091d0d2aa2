"""A class: its join code, the teacher's secret, its saved restaurant, students and quiz answers."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower


class Classroom(models.Model):
    code = models.CharField(max_length=6, unique=True)
    # Only a hash of the teacher's secret is stored: a database leak gives no control.
    teacher_key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_active_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    idle_minutes = models.PositiveIntegerField(default=120)
    # The live room as JSON (lbteach.classroom.room.ClassRoom.to_dict), saved as it changes.
    state = models.JSONField(default=dict, blank=True)
    # Which process runs the room's engine, and when it last said so (scale-out).
    home_channel = models.CharField(max_length=200, blank=True, default="")
    home_seen_at = models.DateTimeField(null=True, blank=True)
    # The class's run, stored in the lab when it ended (lbteach.classroom.kept_replay), so a
    # student can replay it; deleted with the class (kept_replay.delete_classes).
    replay = models.OneToOneField(
        "lab.StoredReplay",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classroom",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code


class Student(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="students")
    nickname = models.CharField(max_length=24)
    # The secret in the student's session that makes this phone this customer again.
    key_hash = models.CharField(max_length=64, unique=True)
    customer = models.PositiveIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Kept for the results page: how often this student's cart broke, and their checkouts.
    cart_breaks = models.PositiveIntegerField(default=0)
    checkouts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("nickname"), "classroom", name="unique_nickname_per_class"
            )
        ]

    def __str__(self) -> str:
        return self.nickname


class ClassQuestion(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="questions")
    question_key = models.CharField(max_length=80)
    prompt = models.TextField()
    opened_at = models.DateTimeField(auto_now_add=True)
    closes_at = models.DateTimeField()
    revealed = models.BooleanField(default=False)
    # The options as the class saw them: [{"key": "1", "text", "bank_key", "correct"}, ...]
    # in order, so results and the CSV show the letters the students saw.
    layout = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["opened_at"]

    def __str__(self) -> str:
        return f"{self.classroom.code}: {self.question_key}"


class ClassAnswer(models.Model):
    question = models.ForeignKey(ClassQuestion, on_delete=models.CASCADE, related_name="answers")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="answers")
    choice = models.JSONField()
    correct = models.BooleanField()
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint("question", "student", name="one_answer_per_student")
        ]

    def __str__(self) -> str:
        return f"{self.student} on {self.question.question_key}"
